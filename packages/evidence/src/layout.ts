/** The bundle format this package writes and reads. */
export const EVIDENCE_FORMAT = "edoc-evidence/1";

/** Fixed paths inside the ZIP. */
export const PATHS = {
  manifest: "manifest.json",
  letter: "letter.edxml",
  acceptanceReceipt: "acceptance-receipt.xml",
  receipts: "receipts.json",
  chainHeads: "chain-heads.json",
  hubCertificate: "certificates/hub.pem",
  caCertificates: "certificates/chain.pem",
  /** The hub's PDF signature reports recorded at submit (@edoc/pades), when it kept any. */
  pdfSignatures: "pdf-signatures.json",
} as const;

/** statuses/1.edxml, statuses/2.edxml… in the order given. */
export function statusPath(n: number): string {
  return `statuses/${n}.edxml`;
}

/** crls/1.pem, crls/2.pem… */
export function crlPath(n: number): string {
  return `crls/${n}.pem`;
}

export const STATUS_PATH = /^statuses\/([1-9]\d{0,5})\.edxml$/;
export const CRL_PATH = /^crls\/([1-9]\d{0,5})\.pem$/;

/** One file the manifest vouches for. */
export interface ManifestFile {
  path: string;
  /** SHA-256 of the file's bytes, lower-case hex. */
  sha256: string;
  size: number;
}

/** manifest.json: what the bundle is about and the digest of every other file in it. */
export interface Manifest {
  format: typeof EVIDENCE_FORMAT;
  hubDocumentId: string;
  documentId: string;
  from: string;
  /** ISO 8601 UTC: when the bundle was exported. */
  createdAt: string;
  files: ManifestFile[];
}

export const utf8 = new TextEncoder();

/** Lenient UTF-8 (a malformed sequence becomes U+FFFD: the digest check has already spoken). */
export function text(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? "" : new TextDecoder("utf-8").decode(bytes);
}
