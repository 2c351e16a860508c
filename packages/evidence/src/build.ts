import { type ReceiptProof, type SignedChainHead, sha256Hex } from "@edoc/receipts";
import { EvidenceError } from "./errors.js";
import { crlPath, EVIDENCE_FORMAT, type Manifest, PATHS, statusPath, utf8 } from "./layout.js";
import { pack } from "./zip.js";

/** Everything one letter's evidence bundle holds; the archive gathers it, tests make it up. */
export interface BundleInput {
  hubDocumentId: string;
  documentId: string;
  /** The sender's OrganId. */
  from: string;
  /** Default now. */
  createdAt?: Date;
  /** The letter exactly as received (the bytes its acceptance receipt's digest covers). */
  letter: Uint8Array;
  /** The hub-signed acceptance receipt returned to the sender (XML-DSig). */
  acceptanceReceiptXml: string;
  /** `proveReceipts` for this letter: its first receipt up to a signed chain head. */
  proof: ReceiptProof;
  /** The signed head(s) the proof ends at, and any signed head inside the segment. Default [proof.head]. */
  chainHeads?: readonly SignedChainHead[];
  /** Status packets answering the letter, exact bytes, in acceptance order. */
  statuses?: readonly Uint8Array[];
  /** The hub's certificate (signs the acceptance receipt and the chain heads). */
  hubCertificatePem: string;
  /** CA certificates (PEM) needed to build the signer's and the hub's paths. */
  caCertificatePems: readonly string[];
  /** The CRLs (PEM) used, as of export. */
  crlPems?: readonly string[];
  /** The PDF signature reports the hub recorded at submit (the packet's pdfCheck), as JSON. */
  pdfSignatures?: unknown;
}

const HAS_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

function invalid(message: string): EvidenceError {
  return new EvidenceError("BUNDLE_INPUT_INVALID", message);
}

function required(value: string, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw invalid(`${field} is required`);
  return value;
}

/** PEM text with a final newline, so concatenated bundles stay well-formed. */
function pemText(pems: readonly string[]): string {
  return pems.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join("");
}

/** A ZIP timestamp must lie in 1980–2099 (DOS dates). */
function zipTime(d: Date): Date {
  const min = Date.UTC(1980, 0, 2);
  const max = Date.UTC(2099, 11, 30);
  return new Date(Math.min(Math.max(d.getTime(), min), max));
}

/**
 * Builds the evidence bundle (a ZIP): manifest.json with the SHA-256 of every other file,
 * letter.edxml, acceptance-receipt.xml, receipts.json (the proof), chain-heads.json,
 * statuses/<n>.edxml, certificates/hub.pem, certificates/chain.pem and crls/<n>.pem. Pure and
 * deterministic: the same input (with createdAt) gives the same bytes. Throws
 * BUNDLE_INPUT_INVALID for missing pieces; whether the pieces prove anything is verifyBundle's call.
 */
export function buildBundle(input: BundleInput): Uint8Array {
  const createdAt = input.createdAt ?? new Date();
  if (Number.isNaN(createdAt.getTime())) throw invalid("createdAt is not a date");
  if (!(input.letter instanceof Uint8Array) || input.letter.length === 0) {
    throw invalid("letter must be the letter's non-empty bytes");
  }
  required(input.acceptanceReceiptXml, "acceptanceReceiptXml");
  if (!Array.isArray(input.proof?.receipts) || input.proof.receipts.length === 0) {
    throw invalid("proof must hold at least one receipt");
  }
  if (!HAS_CERT.test(required(input.hubCertificatePem, "hubCertificatePem"))) {
    throw invalid("hubCertificatePem holds no PEM certificate");
  }
  const statuses = input.statuses ?? [];
  statuses.forEach((s, i) => {
    if (!(s instanceof Uint8Array) || s.length === 0) throw invalid(`statuses[${i}] is empty`);
  });
  const heads = input.chainHeads ?? [input.proof.head];

  const files: [string, Uint8Array][] = [
    [PATHS.letter, input.letter],
    [PATHS.acceptanceReceipt, utf8.encode(input.acceptanceReceiptXml)],
    [PATHS.receipts, utf8.encode(`${JSON.stringify(input.proof, null, 2)}\n`)],
    [PATHS.chainHeads, utf8.encode(`${JSON.stringify(heads, null, 2)}\n`)],
    ...statuses.map((s, i): [string, Uint8Array] => [statusPath(i + 1), s]),
    [PATHS.hubCertificate, utf8.encode(pemText([input.hubCertificatePem]))],
    [PATHS.caCertificates, utf8.encode(pemText(input.caCertificatePems))],
    ...(input.crlPems ?? []).map((c, i): [string, Uint8Array] => [
      crlPath(i + 1),
      utf8.encode(pemText([c])),
    ]),
    ...(input.pdfSignatures === undefined
      ? []
      : [
          [
            PATHS.pdfSignatures,
            utf8.encode(`${JSON.stringify(input.pdfSignatures, null, 2)}\n`),
          ] as [string, Uint8Array],
        ]),
  ];
  const manifest: Manifest = {
    format: EVIDENCE_FORMAT,
    hubDocumentId: required(input.hubDocumentId, "hubDocumentId"),
    documentId: required(input.documentId, "documentId"),
    from: required(input.from, "from"),
    createdAt: createdAt.toISOString(),
    files: files.map(([path, bytes]) => ({ path, sha256: sha256Hex(bytes), size: bytes.length })),
  };
  return pack(
    [[PATHS.manifest, utf8.encode(`${JSON.stringify(manifest, null, 2)}\n`)], ...files],
    zipTime(createdAt),
  );
}
