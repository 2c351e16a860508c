import { PkiError } from "./errors.js";
import { importSigningKey, signingAlgorithmFor } from "./keys.js";
import { type DevPkiState, derSerial, normalizeSerial, type RevocationReason } from "./state.js";
import { toPem, x509 } from "./x509.js";

export interface RevokeOptions {
  /** Default "unspecified". */
  readonly reason?: RevocationReason;
  /** Revocation date written to the CRL; default now. */
  readonly at?: Date;
}

/** Marks a certificate this PKI issued as revoked; the next CRL lists it. */
export function revokeCertificate(
  state: DevPkiState,
  serialHex: string,
  opts: RevokeOptions = {},
): DevPkiState {
  const serialNumber = normalizeSerial(serialHex);
  if (!state.issued.some((c) => c.serialNumber === serialNumber)) {
    throw new PkiError(
      "CERT_UNKNOWN",
      `no certificate with serial ${serialNumber} was issued by this PKI`,
    );
  }
  if (state.revoked.some((r) => r.serialNumber === serialNumber)) {
    throw new PkiError("CERT_ALREADY_REVOKED", `certificate ${serialNumber} is already revoked`);
  }
  const entry = {
    serialNumber,
    revokedAt: (opts.at ?? new Date()).toISOString(),
    reason: opts.reason ?? "unspecified",
  };
  return { ...state, revoked: [...state.revoked, entry] };
}

export interface CrlOptions {
  /** Default now. */
  readonly thisUpdate?: Date;
  /** Default thisUpdate plus 7 days; verifiers treat a CRL past nextUpdate as stale. */
  readonly nextUpdate?: Date;
  /**
   * Which CA signs it. The root's CRL covers the issuing CA; TLS stacks that check the whole
   * chain (Node's `crl` option sets CRL_CHECK_ALL) need one from every CA on the path.
   */
  readonly issuer?: "issuing" | "root";
}

const DAY_MS = 24 * 3600 * 1000;

/** A CA's CRL (PEM): the issuing CA's lists every revoked certificate; the root's, none. */
export async function issueCrl(state: DevPkiState, opts: CrlOptions = {}): Promise<string> {
  const thisUpdate = opts.thisUpdate ?? new Date();
  const nextUpdate = opts.nextUpdate ?? new Date(thisUpdate.getTime() + 7 * DAY_MS);
  const ca = opts.issuer === "root" ? state.root : state.issuing;
  const issuer = new x509.X509Certificate(ca.certificatePem);
  const signing = await importSigningKey(ca.privateKeyPem);
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: signing.key,
    signingAlgorithm: signingAlgorithmFor(signing.algorithm),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey)],
    // The dev PKI only ever revokes certificates the issuing CA signed.
    entries: (opts.issuer === "root" ? [] : state.revoked).map((r) => ({
      serialNumber: derSerial(r.serialNumber),
      revocationDate: new Date(r.revokedAt),
      // RFC 5280 5.3.1: the reasonCode "unspecified" SHOULD be absent.
      ...(r.reason === "unspecified" ? {} : { reason: x509.X509CrlReason[r.reason] }),
    })),
  });
  return toPem(crl);
}

/** OpenSSL's `ca` database time: YYMMDDHHMMSSZ. */
function indexTime(iso: string): string {
  return `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * The issuing CA's certificates in OpenSSL's `index.txt` format, what `openssl ocsp -index`
 * answers from: V (valid) or R (revoked, with date and reason) per issued certificate.
 */
export function ocspIndex(state: DevPkiState): string {
  const revoked = new Map(state.revoked.map((r) => [r.serialNumber, r]));
  return state.issued
    .map((c) => {
      const r = revoked.get(c.serialNumber);
      const when = r
        ? `${indexTime(r.revokedAt)}${r.reason === "unspecified" ? "" : `,${r.reason}`}`
        : "";
      // The subject in OpenSSL's one-line form is informational only; the serial is the key.
      const subject = `/${c.subject.replace(/, /g, "/")}`;
      return `${r ? "R" : "V"}\t${indexTime(c.notAfter)}\t${when}\t${derSerial(c.serialNumber).toUpperCase()}\tunknown\t${subject}\n`;
    })
    .join("");
}
