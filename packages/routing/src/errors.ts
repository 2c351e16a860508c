/** Stable, machine-readable error codes; messages may change, codes do not. */
export type RoutingErrorCode = "STATUS_CODE_INVALID" | "DELIVERY_ID_INVALID";

/** What this package throws for bad input (refusals of letters and statuses are values, not errors). */
export class RoutingError extends Error {
  readonly code: RoutingErrorCode;

  constructor(code: RoutingErrorCode, message: string) {
    super(message);
    this.name = "RoutingError";
    this.code = code;
  }
}

/** Quote a caller-supplied value for an error message, bounded so huge input stays readable. */
export function quote(value: unknown, max = 60): string {
  const s = typeof value === "string" ? value : String(value);
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}
