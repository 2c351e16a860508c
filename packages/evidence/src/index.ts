// @edoc/evidence: the auditors' evidence bundle (a ZIP) for one letter and its offline
// verification: who signed it, that the hub received exactly those bytes and when, who received
// it, and that no receipt was altered or removed. Pure: bytes in, values out; no I/O.
export type { AcceptanceFields } from "./acceptance.js";
export { type BundleInput, buildBundle } from "./build.js";
export { EvidenceError, type EvidenceErrorCode } from "./errors.js";
export {
  EVIDENCE_FORMAT,
  type Manifest,
  type ManifestFile,
  PATHS,
} from "./layout.js";
export type { BundlePdf } from "./pdfs.js";
export {
  type BundleReceipt,
  type BundleReport,
  CHECKS,
  type Check,
  type CheckCode,
  type VerifyBundleOptions,
  verifyBundle,
} from "./verify.js";
export { LIMITS } from "./zip.js";
