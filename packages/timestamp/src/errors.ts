/** Stable codes of what this package throws; a failed verification is a value instead. */
export type TimestampErrorCode =
  /** The TSA answered with a status other than granted / grantedWithMods. */
  | "TSA_REFUSED"
  /** The bytes are not a TimeStampResp or hold no readable TimeStampToken. */
  | "TSA_RESPONSE_INVALID"
  /** The token's messageImprint or nonce is not the one asked for. */
  | "TSA_RESPONSE_MISMATCH";

export class TimestampError extends Error {
  readonly code: TimestampErrorCode;

  constructor(code: TimestampErrorCode, message: string) {
    super(message);
    this.name = "TimestampError";
    this.code = code;
  }
}
