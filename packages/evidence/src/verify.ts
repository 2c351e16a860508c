import { X509Certificate } from "node:crypto";
import { EdxmlError, type Letter } from "@edoc/edxml";
import {
  type Receipt,
  type ReceiptProof,
  type SignedChainHead,
  sha256Hex,
  timestampedHeadBytes,
  verifyChain,
  verifyChainHead,
} from "@edoc/receipts";
import {
  type Reason,
  type VerificationReport,
  verifyCertificate,
  verifyPacket,
  verifyXml,
} from "@edoc/signature";
import { verifyTimestampToken } from "@edoc/timestamp";
import { type AcceptanceFields, parseAcceptance } from "./acceptance.js";
import { EvidenceError } from "./errors.js";
import {
  CRL_PATH,
  EVIDENCE_FORMAT,
  type Manifest,
  type ManifestFile,
  PATHS,
  STATUS_PATH,
  text,
} from "./layout.js";
import { type BundlePdf, checkPdfs } from "./pdfs.js";
import { parseHeads, parseProof } from "./proof-json.js";
import { unpack } from "./zip.js";

/** The checks, in report order, with the stable code each carries when it fails. */
export const CHECKS = {
  MANIFEST_DIGEST: "manifest",
  LETTER_SIGNATURE: "letter-signature",
  SIGNER_BINDING: "signer-binding",
  ACCEPTANCE_RECEIPT: "acceptance-receipt",
  HUB_CERTIFICATE: "hub-certificate",
  RECEIPT_CHAIN: "receipt-chain",
  CHAIN_HEAD_SIGNATURE: "chain-head-signature",
  CHAIN_HEAD_TIMESTAMP: "chain-head-timestamp",
  RECEIPTS_BELONG: "receipts-belong",
  STATUS_PACKETS: "status-packets",
  PDF_SIGNATURES: "pdf-signatures",
} as const;
export type CheckCode = keyof typeof CHECKS;

export interface Check {
  /** Which check (kebab-case, stable). */
  name: (typeof CHECKS)[CheckCode];
  ok: boolean;
  /** Present when the check failed: one stable code per check. */
  code?: CheckCode;
  /** What was checked and, on failure, every problem found, naming the file or receipt. */
  message: string;
  /** The underlying verifier's reasons (e.g. CERT_REVOKED, HASH_MISMATCH), when there are any. */
  reasons?: { code: string; message: string }[];
}

export interface VerifyBundleOptions {
  /** The auditor's own trust anchors (PEM). Certificates inside the bundle are never anchors. */
  trustAnchors: readonly string[];
  /** More CA certificates that may complete a path (besides the bundle's chain.pem). */
  intermediates?: readonly string[];
  /**
   * When to judge certificates and CRLs. Default: the acceptance time the hub signed in the
   * acceptance receipt (ReceivedAt), which is what the law cares about.
   */
  at?: Date;
  /** Accept a legacy rsa-sha1 letter signature (if the hub was run with EDOC_ALLOW_SHA1). */
  allowSha1?: boolean;
  /** Fail when no chain head carries an RFC 3161 timestamp (default: report it, pass). */
  requireTimestamp?: boolean;
}

export interface BundleReceipt {
  seq: number;
  type: string;
  at: string;
  organId?: string;
  deliveryId?: string;
  data?: Record<string, string | number | boolean | null>;
}

export interface BundleReport {
  /** True only when every check passed. */
  valid: boolean;
  checks: Check[];
  manifest: Omit<Manifest, "files">;
  /** Read from the bytes the sender's signature covers. */
  letter?: { from: string; to: string[]; documentId: string; subject: string; digest: string };
  signer?: {
    subject: string;
    issuer: string;
    serialNumber: string;
    organIds: string[];
    fingerprintSha256: string;
    notBefore: string;
    notAfter: string;
    algorithm?: string;
    /** XAdES SigningTime, when the letter carries one. */
    signingTime?: string;
    revocation: "checked" | "unchecked";
  };
  /** The hub-signed acceptance receipt's fields (read from its signed bytes). */
  acceptance?: AcceptanceFields;
  hub?: { subject: string; fingerprintSha256: string };
  /** The signed chain head the receipts end at. */
  chainHead?: { seq: number; hash: string; at: string };
  /** The RFC 3161 timestamps on the bundle's chain heads that verified: the TSA's time and name. */
  timestamps: { seq: number; time: string; tsa: string }[];
  /** This letter's receipts (hubDocumentId), in chain order. */
  receipts: BundleReceipt[];
  statuses: { file: string; from?: string; code?: string; acceptedAt?: string; valid: boolean }[];
  /** The letter's PDFs, their PAdES signatures verified offline (docs/pades.md). */
  pdfs: BundlePdf[];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function pems(value: string): string[] {
  return (value.match(PEM_CERT) ?? []).map((p) => `${p}\n`);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function reasonsText(reasons: readonly Reason[]): string {
  return reasons.map((r) => `${r.code}: ${r.message}`).join("; ");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readManifest(bytes: Uint8Array | undefined): Manifest {
  if (bytes === undefined) {
    throw new EvidenceError("BUNDLE_UNREADABLE", `the ZIP holds no ${PATHS.manifest}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text(bytes));
  } catch (err) {
    throw new EvidenceError(
      "BUNDLE_UNREADABLE",
      `${PATHS.manifest} is not JSON: ${errorMessage(err)}`,
    );
  }
  if (!isObject(raw) || raw.format !== EVIDENCE_FORMAT) {
    throw new EvidenceError(
      "BUNDLE_UNREADABLE",
      `${PATHS.manifest} is not an ${EVIDENCE_FORMAT} manifest (format ${JSON.stringify(isObject(raw) ? raw.format : undefined)})`,
    );
  }
  for (const field of ["hubDocumentId", "documentId", "from", "createdAt"] as const) {
    if (typeof raw[field] !== "string") {
      throw new EvidenceError("BUNDLE_UNREADABLE", `${PATHS.manifest} lacks ${field}`);
    }
  }
  const files = raw.files;
  if (
    !Array.isArray(files) ||
    !files.every(
      (f) =>
        isObject(f) &&
        typeof f.path === "string" &&
        typeof f.sha256 === "string" &&
        typeof f.size === "number",
    )
  ) {
    throw new EvidenceError(
      "BUNDLE_UNREADABLE",
      `${PATHS.manifest} files must be [{ path, sha256, size }]`,
    );
  }
  return raw as unknown as Manifest;
}

const REQUIRED = [
  PATHS.letter,
  PATHS.acceptanceReceipt,
  PATHS.receipts,
  PATHS.chainHeads,
  PATHS.hubCertificate,
  PATHS.caCertificates,
];

function checkManifest(
  manifest: Manifest,
  files: ReadonlyMap<string, Uint8Array>,
  duplicates: readonly string[],
): Check {
  const problems: string[] = [];
  const listed = new Map<string, ManifestFile>();
  for (const f of manifest.files) {
    if (listed.has(f.path)) problems.push(`${f.path} is listed twice in the manifest`);
    listed.set(f.path, f);
  }
  for (const path of new Set(duplicates)) problems.push(`${path} occurs more than once in the ZIP`);
  for (const path of REQUIRED) {
    if (!files.has(path)) problems.push(`${path} is missing`);
  }
  for (const f of listed.values()) {
    const bytes = files.get(f.path);
    if (bytes === undefined) {
      if (!REQUIRED.includes(f.path as (typeof REQUIRED)[number]))
        problems.push(`${f.path} is listed but missing`);
      continue;
    }
    const digest = sha256Hex(bytes);
    if (digest !== f.sha256) {
      problems.push(`${f.path}: SHA-256 is ${digest}, the manifest says ${f.sha256}`);
    } else if (bytes.length !== f.size) {
      problems.push(`${f.path}: ${bytes.length} bytes, the manifest says ${f.size}`);
    }
  }
  for (const path of files.keys()) {
    if (path !== PATHS.manifest && !listed.has(path))
      problems.push(`${path} is not in the manifest`);
  }
  return problems.length > 0
    ? fail("MANIFEST_DIGEST", problems.join("; "))
    : pass("MANIFEST_DIGEST", `${listed.size} files match their SHA-256 in ${PATHS.manifest}`);
}

function pass(code: CheckCode, message: string): Check {
  return { name: CHECKS[code], ok: true, message };
}

function fail(
  code: CheckCode,
  message: string,
  reasons?: readonly { code: string; message: string }[],
): Check {
  return {
    name: CHECKS[code],
    ok: false,
    code,
    message,
    ...(reasons && reasons.length > 0
      ? { reasons: reasons.map((r) => ({ code: r.code, message: r.message })) }
      : {}),
  };
}

function fingerprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();
  } catch {
    return undefined;
  }
}

interface Material {
  manifest: Manifest;
  letter: Uint8Array | undefined;
  letterDigest: string | undefined;
  hubPem: string;
  intermediates: string[];
  crls: string[];
  opts: VerifyBundleOptions;
}

interface AcceptanceOutcome {
  check: Check;
  fields?: AcceptanceFields;
  /** Set when the receipt's signature verified with the hub certificate. */
  receivedAt?: Date;
}

async function checkAcceptance(
  m: Material,
  receiptBytes: Uint8Array | undefined,
): Promise<AcceptanceOutcome> {
  const FILE = PATHS.acceptanceReceipt;
  if (receiptBytes === undefined)
    return { check: fail("ACCEPTANCE_RECEIPT", `${FILE} is missing`) };
  const hubFingerprint = fingerprint(m.hubPem);
  if (hubFingerprint === undefined) {
    return {
      check: fail("ACCEPTANCE_RECEIPT", `${PATHS.hubCertificate} holds no readable certificate`),
    };
  }
  const verify = (at?: Date) =>
    verifyXml(receiptBytes, { trustAnchors: [m.hubPem], ...(at ? { at } : {}) });
  let first: VerificationReport;
  try {
    first = await verify();
  } catch (err) {
    return { check: fail("ACCEPTANCE_RECEIPT", `${FILE} is unreadable: ${errorMessage(err)}`) };
  }
  if (first.signedXml === undefined) {
    return {
      check: fail(
        "ACCEPTANCE_RECEIPT",
        `${FILE}: the hub's signature does not verify: ${reasonsText(first.reasons)}`,
        first.reasons,
      ),
    };
  }
  let fields: AcceptanceFields;
  try {
    fields = parseAcceptance(first.signedXml);
  } catch (err) {
    return { check: fail("ACCEPTANCE_RECEIPT", `${FILE}: ${errorMessage(err)}`) };
  }
  const receivedAt = new Date(fields.receivedAt);
  if (Number.isNaN(receivedAt.getTime())) {
    return {
      check: fail("ACCEPTANCE_RECEIPT", `${FILE}: ReceivedAt ${fields.receivedAt} is not a date`),
      fields,
    };
  }
  // Judged again as of the acceptance time: the hub's certificate may have expired since.
  const report = await verify(m.opts.at ?? receivedAt);
  const problems: string[] = [];
  if (report.reasons.length > 0) {
    problems.push(`the hub's signature does not verify: ${reasonsText(report.reasons)}`);
  }
  if (report.signer && report.signer.fingerprintSha256 !== hubFingerprint) {
    problems.push(`it is signed by ${report.signer.subject}, not by ${PATHS.hubCertificate}`);
  }
  if (fields.digest !== m.letterDigest) {
    problems.push(
      `its Digest is ${fields.digest} but ${PATHS.letter}'s SHA-256 is ${m.letterDigest ?? "(no letter)"}`,
    );
  }
  const same = (label: string, theirs: string, ours: string) => {
    if (theirs !== ours) problems.push(`its ${label} is ${theirs}, the manifest says ${ours}`);
  };
  same("HubDocumentId", fields.hubDocumentId, m.manifest.hubDocumentId);
  same("DocumentId", fields.documentId, m.manifest.documentId);
  same("From", fields.from, m.manifest.from);
  const signedByHub =
    report.signedXml !== undefined && report.signer?.fingerprintSha256 === hubFingerprint;
  const check =
    problems.length > 0
      ? fail("ACCEPTANCE_RECEIPT", `${FILE}: ${problems.join("; ")}`, report.reasons)
      : pass(
          "ACCEPTANCE_RECEIPT",
          `${FILE} is signed by the hub certificate; it attests ${PATHS.letter}'s SHA-256 ${fields.digest}, received ${fields.receivedAt}`,
        );
  return { check, fields, ...(signedByHub ? { receivedAt } : {}) };
}

interface LetterOutcome {
  signature: Check;
  binding: Check;
  /** The letter read from its signed bytes, for the PDF check. */
  packet?: Letter;
  letter?: BundleReport["letter"];
  signer?: BundleReport["signer"];
}

async function checkLetter(
  m: Material,
  at: Date,
  acceptance: AcceptanceFields | undefined,
): Promise<LetterOutcome> {
  const FILE = PATHS.letter;
  if (m.letter === undefined) {
    const missing = `${FILE} is missing`;
    return {
      signature: fail("LETTER_SIGNATURE", missing),
      binding: fail("SIGNER_BINDING", missing),
    };
  }
  let report: VerificationReport;
  let letter: Letter | undefined;
  try {
    const verified = await verifyPacket(m.letter, {
      trustAnchors: m.opts.trustAnchors,
      intermediates: m.intermediates,
      crls: m.crls,
      at,
      allowSha1: m.opts.allowSha1 === true,
    });
    report = verified.report;
    if (verified.packet?.kind === "letter") letter = verified.packet;
    else if (verified.packet) {
      report.reasons.push({
        code: "SIGNATURE_MALFORMED",
        message: `${FILE} is a status packet, not a letter`,
      });
    }
  } catch (err) {
    if (!(err instanceof EdxmlError)) throw err;
    const message = `${FILE} is not a readable edXML packet: ${err.code}: ${err.message}`;
    return {
      signature: fail("LETTER_SIGNATURE", message),
      binding: fail("SIGNER_BINDING", message),
    };
  }
  const reasons = report.reasons.filter((r) => r.code !== "SIGNER_NOT_BOUND");
  const s = report.signer;
  const anchor = report.chain.at(-1)?.subject;
  const revocation =
    report.revocation === "checked"
      ? `not revoked per the CRL of ${report.crlsUsed.map((c) => c.issuer).join("; ")}`
      : "revocation unchecked (no CRL for the signer's issuer in the bundle)";
  const signature =
    reasons.length > 0
      ? fail(
          "LETTER_SIGNATURE",
          `${FILE}: the sender's signature does not hold as of ${at.toISOString()}: ${reasonsText(reasons)}`,
          reasons,
        )
      : pass(
          "LETTER_SIGNATURE",
          `${FILE} is signed by ${s?.subject} (serial ${s?.serialNumber}), path to ${anchor}, ${revocation}, as of ${at.toISOString()}`,
        );

  const problems: string[] = [];
  const from = letter?.header.from.organId;
  if (!s || !letter) {
    problems.push("no verified signer and letter to bind");
  } else {
    if (!s.organIds.includes(letter.header.from.organId)) {
      problems.push(
        `From is ${from} but the signer's certificate is bound to ${s.organIds.join(", ") || "no OrganId"}`,
      );
    }
    if (from !== m.manifest.from)
      problems.push(`From is ${from}, the manifest says ${m.manifest.from}`);
    if (acceptance && acceptance.from !== from) {
      problems.push(`From is ${from}, the acceptance receipt says ${acceptance.from}`);
    }
    if (letter.header.documentId !== m.manifest.documentId) {
      problems.push(
        `DocumentId is ${letter.header.documentId}, the manifest says ${m.manifest.documentId}`,
      );
    }
  }
  const binding =
    problems.length > 0
      ? fail("SIGNER_BINDING", `${FILE}: ${problems.join("; ")}`)
      : pass("SIGNER_BINDING", `the signer's certificate is bound to From ${from}`);

  return {
    signature,
    binding,
    ...(letter ? { packet: letter } : {}),
    ...(letter && m.letterDigest
      ? {
          letter: {
            from: letter.header.from.organId,
            to: letter.header.to.map((t) => t.organId),
            documentId: letter.header.documentId,
            subject: letter.header.subject,
            digest: m.letterDigest,
          },
        }
      : {}),
    ...(s
      ? {
          signer: {
            subject: s.subject,
            issuer: s.issuer,
            serialNumber: s.serialNumber,
            organIds: s.organIds,
            fingerprintSha256: s.fingerprintSha256,
            notBefore: s.notBefore,
            notAfter: s.notAfter,
            ...(report.algorithm ? { algorithm: report.algorithm } : {}),
            ...(report.xades?.signingTime ? { signingTime: report.xades.signingTime } : {}),
            revocation: report.revocation,
          },
        }
      : {}),
  };
}

async function checkHub(
  m: Material,
  at: Date,
): Promise<{ check: Check; hub?: BundleReport["hub"] }> {
  const r = await verifyCertificate(m.hubPem, {
    trustAnchors: m.opts.trustAnchors,
    intermediates: m.intermediates,
    crls: m.crls,
    at,
  });
  const c = r.certificate;
  const hub = c ? { hub: { subject: c.subject, fingerprintSha256: c.fingerprintSha256 } } : {};
  if (!r.valid) {
    return {
      check: fail(
        "HUB_CERTIFICATE",
        `${PATHS.hubCertificate} is not trusted as of ${at.toISOString()}: ${reasonsText(r.reasons)}`,
        r.reasons,
      ),
      ...hub,
    };
  }
  return {
    check: pass(
      "HUB_CERTIFICATE",
      `${PATHS.hubCertificate} (${c?.subject}) chains to ${r.chain.at(-1)?.subject}, valid as of ${at.toISOString()}, revocation ${r.revocation}`,
    ),
    ...hub,
  };
}

function sameHead(a: SignedChainHead, b: SignedChainHead): boolean {
  return (
    a.seq === b.seq &&
    a.hash === b.hash &&
    a.at === b.at &&
    a.algorithm === b.algorithm &&
    a.signature === b.signature
  );
}

function distinctHeads(proof: ReceiptProof | string, heads: SignedChainHead[] | string) {
  const all: SignedChainHead[] = [];
  if (typeof proof !== "string") all.push(proof.head);
  if (typeof heads !== "string") {
    for (const h of heads) if (!all.some((a) => sameHead(a, h))) all.push(h);
  }
  return all;
}

async function checkTimestamps(
  m: Material,
  all: readonly SignedChainHead[],
): Promise<{ check: Check; timestamps: BundleReport["timestamps"] }> {
  const timestamps: BundleReport["timestamps"] = [];
  const problems: string[] = [];
  const reasons: { code: string; message: string }[] = [];
  // Every copy of every head (receipts.json and chain-heads.json): a token counts once per head.
  const stamped = new Map<string, SignedChainHead>();
  for (const h of all) {
    if (typeof h.timestampToken === "string") stamped.set(`${h.seq}/${h.timestampToken}`, h);
  }
  for (const h of stamped.values()) {
    const token = Buffer.from(h.timestampToken ?? "", "base64");
    const v = await verifyTimestampToken(token, timestampedHeadBytes(h), {
      trustAnchors: m.opts.trustAnchors,
      intermediates: m.intermediates,
      crls: m.crls,
    });
    if (v.valid && v.time && v.tsa) {
      timestamps.push({ seq: h.seq, time: v.time, tsa: v.tsa.subject });
    } else {
      problems.push(
        `head seq ${h.seq}: ${v.problems.map((p) => `${p.code}: ${p.message}`).join("; ")}`,
      );
      reasons.push(...v.problems);
    }
  }
  if (problems.length > 0) {
    return {
      check: fail(
        "CHAIN_HEAD_TIMESTAMP",
        `the timestamp does not hold: ${problems.join("; ")}`,
        reasons,
      ),
      timestamps,
    };
  }
  if (timestamps.length === 0) {
    const none =
      "no chain head carries an RFC 3161 timestamp: the heads' time rests on the hub's word";
    return {
      check: m.opts.requireTimestamp
        ? fail("CHAIN_HEAD_TIMESTAMP", none)
        : pass("CHAIN_HEAD_TIMESTAMP", none),
      timestamps,
    };
  }
  const said = timestamps.map((t) => `head seq ${t.seq} at ${t.time} by ${t.tsa}`).join("; ");
  return {
    check: pass(
      "CHAIN_HEAD_TIMESTAMP",
      `timestamped (RFC 3161: imprint matches the signed head, TSA signature valid, TSA chains to the trust anchors): ${said}`,
    ),
    timestamps,
  };
}

function checkChain(
  m: Material,
  proof: ReceiptProof | string,
  heads: SignedChainHead[] | string,
): Check {
  if (typeof proof === "string") return fail("RECEIPT_CHAIN", proof);
  const problems: string[] = [];
  const reasons: Reason[] = [];
  const { receipts, startsAfter, head } = proof;
  const first = receipts[0];
  const last = receipts.at(-1);
  if (!first || !last) return fail("RECEIPT_CHAIN", `${PATHS.receipts} holds no receipts`);
  const chain = verifyChain(receipts, { from: startsAfter });
  if (!chain.ok) {
    for (const p of chain.problems) {
      problems.push(`seq ${p.seq} ${p.code}: ${p.message}`);
    }
  }
  if (last.seq !== head.seq || last.hash !== head.hash) {
    problems.push(
      `the segment ends at seq ${last.seq} (${last.hash}), the signed head is seq ${head.seq} (${head.hash})`,
    );
  }
  if (first.type !== "accepted" || first.hubDocumentId !== m.manifest.hubDocumentId) {
    problems.push(
      `the segment starts at seq ${first.seq} (${first.type} of ${first.hubDocumentId}), not at this letter's accepted receipt`,
    );
  }
  if (typeof heads === "string") {
    problems.push(heads);
  } else {
    if (!heads.some((h) => sameHead(h, head))) {
      problems.push(
        `${PATHS.chainHeads} does not hold the head ${PATHS.receipts} ends at (seq ${head.seq})`,
      );
    }
    const bySeq = new Map(receipts.map((r) => [r.seq, r.hash]));
    bySeq.set(startsAfter.seq, startsAfter.hash);
    for (const h of heads) {
      const hash = bySeq.get(h.seq);
      if (hash !== undefined && hash !== h.hash) {
        problems.push(`the signed head seq ${h.seq} says ${h.hash}, the segment has ${hash}`);
      }
    }
  }
  return problems.length > 0
    ? fail("RECEIPT_CHAIN", `${PATHS.receipts}: ${problems.join("; ")}`, reasons)
    : pass(
        "RECEIPT_CHAIN",
        `${receipts.length} receipts, seq ${first.seq}–${last.seq}, link up from seq ${startsAfter.seq} and end exactly at the signed head`,
      );
}

function checkHeads(
  m: Material,
  proof: ReceiptProof | string,
  heads: SignedChainHead[] | string,
): Check {
  const all = distinctHeads(proof, heads);
  if (all.length === 0)
    return fail("CHAIN_HEAD_SIGNATURE", "the bundle holds no readable chain head");
  const bad: string[] = [];
  for (const h of all) {
    let ok: boolean;
    try {
      ok = verifyChainHead(h, m.hubPem);
    } catch (err) {
      return fail(
        "CHAIN_HEAD_SIGNATURE",
        `${PATHS.hubCertificate} is not a usable key: ${errorMessage(err)}`,
      );
    }
    if (!ok) bad.push(`head seq ${h.seq} (${h.at})`);
  }
  return bad.length > 0
    ? fail(
        "CHAIN_HEAD_SIGNATURE",
        `${bad.join(", ")}: the signature does not verify with the key of ${PATHS.hubCertificate}`,
      )
    : pass(
        "CHAIN_HEAD_SIGNATURE",
        `${all.length} signed chain head${all.length === 1 ? " verifies" : "s verify"} with the key of ${PATHS.hubCertificate}`,
      );
}

function checkBelong(m: Material, proof: ReceiptProof | string, mine: Receipt[]): Check {
  if (typeof proof === "string") return fail("RECEIPTS_BELONG", "no readable receipts to check");
  const id = m.manifest.hubDocumentId;
  const problems: string[] = [];
  const accepted = mine.filter((r) => r.type === "accepted");
  const [acc] = accepted;
  if (acc === undefined || accepted.length !== 1) {
    problems.push(
      `${accepted.length} accepted receipts name ${id}${accepted.length > 1 ? ` (seq ${accepted.map((r) => r.seq).join(", ")})` : ""}; exactly one is expected`,
    );
  }
  if (acc) {
    if (acc.digest !== m.letterDigest) {
      problems.push(
        `the accepted receipt (seq ${acc.seq}) attests SHA-256 ${acc.digest ?? "(none)"}, ${PATHS.letter}'s is ${m.letterDigest ?? "(no letter)"}`,
      );
    }
    if (acc.documentId !== undefined && acc.documentId !== m.manifest.documentId) {
      problems.push(
        `the accepted receipt (seq ${acc.seq}) names DocumentId ${acc.documentId}, not ${m.manifest.documentId}`,
      );
    }
    if (acc.organId !== undefined && acc.organId !== m.manifest.from) {
      problems.push(
        `the accepted receipt (seq ${acc.seq}) names sender ${acc.organId}, not ${m.manifest.from}`,
      );
    }
  }
  const deliveries = new Set(
    mine.filter((r) => r.type === "routed").flatMap((r) => (r.deliveryId ? [r.deliveryId] : [])),
  );
  for (const r of mine) {
    if (r.type !== "routed" && r.deliveryId !== undefined && !deliveries.has(r.deliveryId)) {
      problems.push(
        `seq ${r.seq} (${r.type}) names delivery ${r.deliveryId}, to which this letter was never routed`,
      );
    }
    if (r.type === "status") {
      const statusId = r.data?.statusHubDocumentId;
      const own = proof.receipts.find((x) => x.type === "accepted" && x.hubDocumentId === statusId);
      if (own?.data?.refersTo !== undefined && own.data.refersTo !== id) {
        problems.push(
          `seq ${r.seq} (status) is about ${String(statusId)}, which the chain says refers to ${String(own.data.refersTo)}`,
        );
      }
    }
  }
  return problems.length > 0
    ? fail("RECEIPTS_BELONG", `${PATHS.receipts}: ${problems.join("; ")}`)
    : pass(
        "RECEIPTS_BELONG",
        `the accepted receipt (seq ${acc?.seq}) attests ${PATHS.letter}'s SHA-256; ${mine.length} receipts of ${id}, all on its own deliveries (${deliveries.size})`,
      );
}

async function checkStatuses(
  m: Material,
  files: ReadonlyMap<string, Uint8Array>,
  proof: ReceiptProof | string,
  mine: Receipt[],
): Promise<{ check: Check; statuses: BundleReport["statuses"] }> {
  const paths = [...files.keys()]
    .map((p) => ({ p, n: Number(STATUS_PATH.exec(p)?.[1] ?? Number.NaN) }))
    .filter((x) => !Number.isNaN(x.n))
    .sort((a, b) => a.n - b.n)
    .map((x) => x.p);
  const statusReceipts = mine.filter((r) => r.type === "status");
  if (paths.length === 0) {
    return {
      check: pass(
        "STATUS_PACKETS",
        `no status packets in the bundle (${statusReceipts.length} status receipts on the letter)`,
      ),
      statuses: [],
    };
  }
  const receipts = typeof proof === "string" ? [] : proof.receipts;
  const problems: string[] = [];
  const statuses: BundleReport["statuses"] = [];
  for (const path of paths) {
    const bytes = files.get(path)!;
    const digest = sha256Hex(bytes);
    const accepted = receipts.find((r) => r.type === "accepted" && r.digest === digest);
    const entry: BundleReport["statuses"][number] = { file: path, valid: false };
    statuses.push(entry);
    if (!accepted) {
      problems.push(`${path}: no accepted receipt in the chain attests its SHA-256 ${digest}`);
      continue;
    }
    entry.acceptedAt = accepted.at;
    if (!statusReceipts.some((r) => r.data?.statusHubDocumentId === accepted.hubDocumentId)) {
      problems.push(`${path}: no status receipt on this letter names ${accepted.hubDocumentId}`);
    }
    try {
      const { report, packet } = await verifyPacket(bytes, {
        trustAnchors: m.opts.trustAnchors,
        intermediates: m.intermediates,
        crls: m.crls,
        at: new Date(accepted.at),
        allowSha1: m.opts.allowSha1 === true,
      });
      if (packet?.kind !== "status") {
        problems.push(`${path} is not a status packet`);
        continue;
      }
      entry.from = packet.from.organId;
      entry.code = packet.statusCode;
      if (!report.valid) problems.push(`${path}: ${reasonsText(report.reasons)}`);
      if (packet.responseFor.documentId !== m.manifest.documentId) {
        problems.push(`${path} answers ${packet.responseFor.documentId}, not this letter`);
      }
      entry.valid = report.valid && packet.responseFor.documentId === m.manifest.documentId;
    } catch (err) {
      if (!(err instanceof EdxmlError)) throw err;
      problems.push(`${path} is not a readable edXML packet: ${err.code}: ${err.message}`);
    }
  }
  return {
    check:
      problems.length > 0
        ? fail("STATUS_PACKETS", problems.join("; "))
        : pass(
            "STATUS_PACKETS",
            `${paths.length} status packet${paths.length === 1 ? "" : "s"}, each signed by its reporter and attested in the chain`,
          ),
    statuses,
  };
}

/**
 * Verifies an evidence bundle offline: nothing but the ZIP and the auditor's trust anchors.
 * Every check runs whatever the others found, so a report names everything that is wrong.
 * Throws EvidenceError BUNDLE_UNREADABLE when the ZIP or its manifest cannot be read at all,
 * and the signature package's SignatureError TRUST_POLICY_INVALID for unreadable anchors.
 */
export async function verifyBundle(
  zip: Uint8Array,
  opts: VerifyBundleOptions,
): Promise<BundleReport> {
  const { files, duplicates } = unpack(zip);
  const manifest = readManifest(files.get(PATHS.manifest));
  const letter = files.get(PATHS.letter);
  const crlFiles = [...files.keys()]
    .map((p) => ({ p, n: Number(CRL_PATH.exec(p)?.[1] ?? Number.NaN) }))
    .filter((x) => !Number.isNaN(x.n))
    .sort((a, b) => a.n - b.n);
  const m: Material = {
    manifest,
    letter,
    letterDigest: letter ? sha256Hex(letter) : undefined,
    hubPem: text(files.get(PATHS.hubCertificate)),
    intermediates: [...pems(text(files.get(PATHS.caCertificates))), ...(opts.intermediates ?? [])],
    crls: crlFiles.map((x) => text(files.get(x.p))),
    opts,
  };
  const proof = parseProof(files.get(PATHS.receipts));
  const heads = parseHeads(files.get(PATHS.chainHeads));
  const mine =
    typeof proof === "string"
      ? []
      : proof.receipts.filter((r) => r.hubDocumentId === manifest.hubDocumentId);

  const manifestCheck = checkManifest(manifest, files, duplicates);
  const acceptance = await checkAcceptance(m, files.get(PATHS.acceptanceReceipt));
  const acceptedReceipt = mine.find((r) => r.type === "accepted");
  // The instant to judge certificates at: the auditor's, else the hub-signed acceptance time,
  // else the accepted receipt's (the chain's own word), else now.
  const at =
    opts.at ??
    acceptance.receivedAt ??
    (acceptedReceipt ? new Date(acceptedReceipt.at) : new Date());
  const letterOutcome = await checkLetter(m, at, acceptance.fields);
  const hub = await checkHub(m, at);
  const chain = checkChain(m, proof, heads);
  const headSignature = checkHeads(m, proof, heads);
  const headTimestamp = await checkTimestamps(m, [
    ...(typeof proof === "string" ? [] : [proof.head]),
    ...(typeof heads === "string" ? [] : heads),
  ]);
  const belong = checkBelong(m, proof, mine);
  const statuses = await checkStatuses(m, files, proof, mine);
  const pdfs = await checkPdfs(
    letterOutcome.packet,
    files.has(PATHS.pdfSignatures) ? text(files.get(PATHS.pdfSignatures)) : undefined,
    {
      trustAnchors: opts.trustAnchors,
      intermediates: m.intermediates,
      crls: m.crls,
      allowSha1: opts.allowSha1 === true,
    },
    at,
  );

  const checks = [
    manifestCheck,
    letterOutcome.signature,
    letterOutcome.binding,
    acceptance.check,
    hub.check,
    chain,
    headSignature,
    headTimestamp.check,
    belong,
    statuses.check,
    pdfs.check,
  ];
  const { files: _files, ...about } = manifest;
  return {
    valid: checks.every((c) => c.ok),
    checks,
    manifest: about,
    ...(letterOutcome.letter ? { letter: letterOutcome.letter } : {}),
    ...(letterOutcome.signer ? { signer: letterOutcome.signer } : {}),
    ...(acceptance.fields ? { acceptance: acceptance.fields } : {}),
    ...(hub.hub ? { hub: hub.hub } : {}),
    ...(typeof proof === "string"
      ? {}
      : { chainHead: { seq: proof.head.seq, hash: proof.head.hash, at: proof.head.at } }),
    timestamps: headTimestamp.timestamps,
    receipts: mine.map((r) => ({
      seq: r.seq,
      type: r.type,
      at: r.at,
      ...(r.organId !== undefined ? { organId: r.organId } : {}),
      ...(r.deliveryId !== undefined ? { deliveryId: r.deliveryId } : {}),
      ...(r.data !== undefined ? { data: { ...r.data } } : {}),
    })),
    statuses: statuses.statuses,
    pdfs: pdfs.pdfs,
  };
}
