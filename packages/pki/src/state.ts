import { isOrganId, type OrganId } from "@edoc/directory";
import { PkiError } from "./errors.js";
import { KEY_ALGORITHMS, type KeyAlgorithm } from "./keys.js";

/** RFC 5280 CRLReason names (removeFromCRL is a delta-CRL matter and not offered). */
export type RevocationReason =
  | "unspecified"
  | "keyCompromise"
  | "cACompromise"
  | "affiliationChanged"
  | "superseded"
  | "cessationOfOperation"
  | "certificateHold"
  | "privilegeWithdrawn";

export const REVOCATION_REASONS: readonly RevocationReason[] = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "privilegeWithdrawn",
];

export type CertificateKind = "agency" | "hub" | "tsa";

export interface CaMaterial {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** A certificate the issuing CA signed. Dates are ISO 8601 strings so the state is plain JSON. */
export interface IssuedCertificate {
  /** Lower-case hex without leading zeros. */
  readonly serialNumber: string;
  readonly kind: CertificateKind;
  readonly subject: string;
  readonly organId?: OrganId;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly issuedAt: string;
  readonly certificatePem: string;
}

export interface RevokedCertificate {
  readonly serialNumber: string;
  readonly revokedAt: string;
  readonly reason: RevocationReason;
}

export const DEV_PKI_FORMAT = "edoc-dev-pki/1";

/**
 * Where relying parties find revocation data, written into the certificates issued after it is
 * set: `crlBaseUrl` + "/root.crl" in the issuing CA's CRL distribution point, + "/issuing.crl" in
 * each leaf's; `ocspUrl` as the leaves' OCSP responder (authority information access).
 */
export interface Publication {
  readonly crlBaseUrl?: string;
  readonly ocspUrl?: string;
}

/** The published file names under `crlBaseUrl` (DER CRLs, as RFC 5280 4.2.1.13 expects). */
export const ROOT_CRL_FILE = "root.crl";
export const ISSUING_CRL_FILE = "issuing.crl";

/**
 * The whole development PKI as one JSON-serializable value: the CA keys are in it, so whoever
 * stores it must protect it like a private key (the CLI writes it 0600). Functions that change
 * it return a new value and never mutate their argument.
 */
export interface DevPkiState {
  readonly format: typeof DEV_PKI_FORMAT;
  readonly organization: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly root: CaMaterial;
  readonly issuing: CaMaterial;
  readonly nextSerial: number;
  readonly issued: readonly IssuedCertificate[];
  readonly revoked: readonly RevokedCertificate[];
  readonly publication?: Publication;
}

/** Canonical form of a hex serial: lower case, no leading zeros ("00A1" -> "a1"). */
export function normalizeSerial(hex: string): string {
  const s = hex.trim().toLowerCase().replace(/^0x/, "").replace(/:/g, "");
  if (!/^[0-9a-f]+$/.test(s)) {
    throw new PkiError("CERT_UNKNOWN", `serial number ${JSON.stringify(hex)} is not hexadecimal`);
  }
  return s.replace(/^0+(?=.)/, "");
}

/** DER INTEGER content for a positive serial: even length, a 00 pad when the top bit is set. */
export function derSerial(hex: string): string {
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return /^[89a-f]/.test(even) ? `00${even}` : even;
}

export function serialHex(n: number): string {
  return derSerial(n.toString(16));
}

// --- validation of a state read from outside (the CLI's pki.json) ---

type Json = Record<string, unknown>;

function fail(path: string, problem: string): never {
  throw new PkiError("PKI_STATE_INVALID", `PKI state: ${path} ${problem}`);
}

function obj(v: unknown, path: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "must be an object");
  return v as Json;
}

function str(o: Json, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== "string" || v === "") fail(`${path}.${key}`, "must be a non-empty string");
  return v;
}

function date(o: Json, key: string, path: string): string {
  const v = str(o, key, path);
  if (Number.isNaN(Date.parse(v))) fail(`${path}.${key}`, "must be an ISO 8601 date");
  return v;
}

function oneOf<T extends string>(o: Json, key: string, allowed: readonly T[], path: string): T {
  const v = str(o, key, path);
  if (!(allowed as readonly string[]).includes(v)) {
    fail(`${path}.${key}`, `must be one of ${allowed.join(", ")}`);
  }
  return v as T;
}

function ca(v: unknown, path: string): CaMaterial {
  const o = obj(v, path);
  return {
    certificatePem: str(o, "certificatePem", path),
    privateKeyPem: str(o, "privateKeyPem", path),
  };
}

function issued(v: unknown, path: string): IssuedCertificate {
  const o = obj(v, path);
  const organId = o.organId;
  if (organId !== undefined && (typeof organId !== "string" || !isOrganId(organId))) {
    fail(`${path}.organId`, "must be a well-formed OrganId");
  }
  return {
    serialNumber: normalizeSerial(str(o, "serialNumber", path)),
    kind: oneOf(o, "kind", ["agency", "hub", "tsa"] as const, path),
    subject: str(o, "subject", path),
    ...(organId !== undefined ? { organId } : {}),
    notBefore: date(o, "notBefore", path),
    notAfter: date(o, "notAfter", path),
    issuedAt: date(o, "issuedAt", path),
    certificatePem: str(o, "certificatePem", path),
  };
}

function revoked(v: unknown, path: string): RevokedCertificate {
  const o = obj(v, path);
  return {
    serialNumber: normalizeSerial(str(o, "serialNumber", path)),
    revokedAt: date(o, "revokedAt", path),
    reason: oneOf(o, "reason", REVOCATION_REASONS, path),
  };
}

/** An http(s) URL for a certificate extension (nothing else is fetched by relying parties). */
export function publicationUrl(raw: string, field: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PkiError("NAME_INVALID", `${field} ${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new PkiError("NAME_INVALID", `${field} must be an http or https URL, got ${raw}`);
  }
  return raw.replace(/\/+$/, "");
}

function publication(v: unknown, path: string): Publication {
  const o = obj(v, path);
  const out: { crlBaseUrl?: string; ocspUrl?: string } = {};
  for (const key of ["crlBaseUrl", "ocspUrl"] as const) {
    if (o[key] !== undefined) out[key] = publicationUrl(str(o, key, path), `${path}.${key}`);
  }
  return out;
}

function list<T>(v: unknown, path: string, item: (x: unknown, p: string) => T): T[] {
  if (!Array.isArray(v)) fail(path, "must be an array");
  return v.map((x, i) => item(x, `${path}[${i}]`));
}

/** Validates a state read from storage (e.g. JSON.parse of pki.json) into a typed value. */
export function parseDevPkiState(value: unknown): DevPkiState {
  const o = obj(value, "state");
  if (o.format !== DEV_PKI_FORMAT) fail("state.format", `must be "${DEV_PKI_FORMAT}"`);
  const nextSerial = o.nextSerial;
  if (typeof nextSerial !== "number" || !Number.isSafeInteger(nextSerial) || nextSerial < 1) {
    fail("state.nextSerial", "must be a positive integer");
  }
  return {
    format: DEV_PKI_FORMAT,
    organization: str(o, "organization", "state"),
    keyAlgorithm: oneOf(o, "keyAlgorithm", KEY_ALGORITHMS, "state"),
    root: ca(o.root, "state.root"),
    issuing: ca(o.issuing, "state.issuing"),
    nextSerial,
    issued: list(o.issued, "state.issued", issued),
    revoked: list(o.revoked, "state.revoked", revoked),
    ...(o.publication !== undefined
      ? { publication: publication(o.publication, "state.publication") }
      : {}),
  };
}
