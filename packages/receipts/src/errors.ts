/** Stable, machine-readable error codes; messages may change, codes do not. */
export type ReceiptErrorCode =
  | "CANONICAL_JSON_UNSUPPORTED"
  | "RECEIPT_INVALID"
  | "RECEIPT_DATA_KEY_INVALID"
  | "CHAIN_HEAD_INVALID"
  | "CHAIN_KEY_INVALID"
  | "PROOF_NOTHING_WANTED"
  | "PROOF_HEAD_NOT_FOUND"
  | "PROOF_CHAIN_BROKEN"
  | "ACCEPTANCE_RECEIPT_INVALID";

/** Every failure this package throws. `field` names the offending field when there is one. */
export class ReceiptError extends Error {
  readonly code: ReceiptErrorCode;
  readonly field?: string;

  constructor(code: ReceiptErrorCode, message: string, field?: string) {
    super(message);
    this.name = "ReceiptError";
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

/** Quote a caller-supplied value for an error message, bounded so huge input stays readable. */
export function quote(value: unknown, max = 60): string {
  const s = typeof value === "string" ? value : String(value);
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}
