import type { CertificateSummary } from "@edoc/signature";

/** Stable verdict codes; messages may change, codes do not. */
export type PdfVerdict =
  | "PDF_SIGNATURE_VALID"
  | "PDF_UNSIGNED"
  | "PDF_DIGEST_MISMATCH"
  | "PDF_SIGNATURE_INVALID"
  | "PDF_SIGNATURE_UNSUPPORTED"
  | "PDF_CERT_UNTRUSTED"
  | "PDF_CERT_REVOKED"
  | "PDF_MODIFIED_AFTER_SIGNING";

export interface PdfReason {
  readonly code: PdfVerdict;
  /** The underlying @edoc/signature reason code where there is one (CERT_EXPIRED...). */
  readonly detail?: string;
  readonly message: string;
}

/** Who the certificate says signed: an organisation's seal (con dấu) or a person. */
export type Holder = "seal" | "person" | "unknown";

export interface PdfSigner extends CertificateSummary {
  readonly organIds: string[];
  readonly fingerprintSha256: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface PdfSignatureReport {
  /** 1-based, in file order (the first signature made comes first). */
  readonly index: number;
  /** /SubFilter without the slash, e.g. "ETSI.CAdES.detached". */
  readonly subFilter: string;
  verdict: PdfVerdict;
  reasons: PdfReason[];
  signer?: PdfSigner;
  holder: Holder;
  /** ISO 8601: the signer's claim (signed attribute, else the dictionary's /M), not a trusted time. */
  signingTime?: string;
  signingTimeSource?: "signed-attribute" | "dictionary";
  readonly byteRange: readonly [number, number, number, number];
  /** The signed ranges reach the end of the file: no byte was added after this signature. */
  readonly coversWholeFile: boolean;
  chain: CertificateSummary[];
  revocation: "checked" | "unchecked";
}

export interface PdfReport {
  /** Where the PDF was found: the attachment's name, then "!/entry" inside a zip. */
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the PDF's bytes, lower-case hex. */
  readonly sha256: string;
  /** PDF_SIGNATURE_VALID only when every signature is valid and the last covers the whole file. */
  readonly verdict: PdfVerdict;
  readonly signatures: PdfSignatureReport[];
  /** Bytes follow the last signature (an incremental update nobody signed). */
  readonly modifiedAfterLastSignature: boolean;
  /** ISO 8601: the instant certificates and CRLs were judged at. */
  readonly validatedAt: string;
  /** Why the PDF as a whole was not verified (too many signatures). */
  readonly problem?: string;
}
