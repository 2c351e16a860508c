/** Stable codes of what this package throws; a failed *check* is a value in the report instead. */
export type EvidenceErrorCode =
  /** Not a ZIP, no readable manifest.json, or not format edoc-evidence/1 (CLI exit 2). */
  | "BUNDLE_UNREADABLE"
  /** buildBundle was given something it cannot put in a bundle. */
  | "BUNDLE_INPUT_INVALID";

export class EvidenceError extends Error {
  readonly code: EvidenceErrorCode;

  constructor(code: EvidenceErrorCode, message: string) {
    super(message);
    this.name = "EvidenceError";
    this.code = code;
  }
}
