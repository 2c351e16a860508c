// The verification report: its checks, in order, and what each found.
import type { AcceptanceFields } from "./acceptance.js";
import type { Manifest } from "./layout.js";
import type { BundlePdf } from "./pdfs.js";

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

export function pass(code: CheckCode, message: string): Check {
  return { name: CHECKS[code], ok: true, message };
}

export function fail(
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
