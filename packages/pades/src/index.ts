// @edoc/pades: PAdES verification of the signed PDFs a letter carries (the competent person's
// signature and the agency's seal on the document itself), and the per-agency policy for
// letters whose PDFs carry no valid signature. Pure: bytes, trust material and time in,
// reports out.
export {
  type AttachmentBytes,
  type FoundPdf,
  MAX_PDFS,
  mayHoldPdf,
  pdfsOf,
  verifyAttachments,
} from "./attachments.js";
export {
  DEFAULT_PDF_POLICY,
  decidePdfPolicy,
  type PdfDecision,
  type PdfPolicy,
  type PdfPolicyAction,
  PdfPolicyError,
  parsePdfPolicy,
} from "./policy.js";
export type {
  Holder,
  PdfReason,
  PdfReport,
  PdfSignatureReport,
  PdfSigner,
  PdfVerdict,
} from "./report.js";
export { MAX_SIGNATURES, type PdfTrust, verifyPdf } from "./verify.js";
