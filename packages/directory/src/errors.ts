/** Stable, machine-readable error codes; messages may change, codes do not. */
export type DirectoryErrorCode =
  | "ORGAN_ID_MALFORMED"
  | "DATE_MALFORMED"
  | "DIRECTORY_INVALID"
  | "DIRECTORY_JSON_INVALID"
  | "DIRECTORY_TSV_INVALID"
  | "DIRECTORY_CHANGE_INVALID";

/**
 * Every failure this package reports for bad input. `field` names where the bad value
 * was found (a packet field such as `To[0].OrganId`, a JSON path such as
 * `agencies[3].parent`), so callers can answer without a stack trace.
 */
export class DirectoryError extends Error {
  readonly code: DirectoryErrorCode;
  readonly field?: string;

  constructor(code: DirectoryErrorCode, message: string, field?: string) {
    super(message);
    this.name = "DirectoryError";
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

/** Quote a caller-supplied value for an error message, bounded so huge input stays readable. */
export function quote(value: string, max = 60): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
