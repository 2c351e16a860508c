/**
 * Every refusal the API gives, with its HTTP status. Codes are stable: agency systems branch on
 * them. The body is always `{ code, message, details? }`.
 */
const ERROR_STATUS = {
  CLIENT_CERT_REQUIRED: 401,
  CLIENT_CERT_UNTRUSTED: 401,
  CLIENT_CERT_NOT_BOUND: 403,
  SENDER_NOT_AUTHORISED: 403,
  SENDER_UNKNOWN: 403,
  SENDER_INACTIVE: 403,
  SIGNER_NOT_BOUND: 403,
  SIGNATURE_INVALID: 422,
  SIGNATURE_UNTRUSTED: 422,
  PDF_SIGNATURE_REQUIRED: 422,
  RECIPIENT_UNKNOWN: 422,
  RECIPIENT_INACTIVE: 422,
  NO_RECIPIENT: 422,
  EDXML_NOT_WELL_FORMED: 400,
  EDXML_FORBIDDEN_CONSTRUCT: 400,
  EDXML_NOT_EDXML: 400,
  EDXML_INVALID: 422,
  ATTACHMENT_NOT_ZIP: 422,
  EDXML_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  STATUS_UNKNOWN: 422,
  STATUS_UNKNOWN_DOCUMENT: 404,
  WRONG_ENDPOINT: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  HUB_UNAVAILABLE: 503,
  MAINTENANCE: 503,
  // Federation: a packet from a peer hub.
  HOP_LOOP: 422,
  HOP_LIMIT_EXCEEDED: 422,
  SENDER_NOT_REMOTE: 403,
  TRACE_INVALID: 400,
  INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }

  static of(code: ApiErrorCode, message: string, details?: unknown): ApiError {
    return new ApiError(code, message, ERROR_STATUS[code], details);
  }
}
