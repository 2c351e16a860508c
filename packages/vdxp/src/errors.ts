/**
 * The listener's stable `ErrorCode` table. Agency systems branch on these numbers (the SDK
 * hands `ErrorCode` and `ErrorDesc` to the application); 18, 19, 22 and 23 are the codes
 * provincial axes already use for the same refusals. The hub's native refusal code travels
 * beside it in `edocCode`, so both doors refuse with the same reasons underneath.
 */
export const VDXP_ERRORS = {
  OK: "0",
  AUTH_MISSING: "10",
  AUTH_INVALID: "11",
  SYSTEM_UNKNOWN: "12",
  SYSTEM_DISABLED: "13",
  TIMESTAMP_STALE: "14",
  CLIENT_CERT_REQUIRED: "15",
  FROM_NOT_ALLOWED: "16",
  DOCUMENT_NOT_FOUND: "17",
  RECIPIENT_UNKNOWN: "18",
  SENDER_UNKNOWN: "19",
  SIGNATURE_INVALID: "20",
  SIGNER_NOT_BOUND: "21",
  EDXML_INVALID: "22",
  RECIPIENT_INACTIVE: "23",
  MESSAGETYPE_MISMATCH: "24",
  HASH_MISMATCH: "25",
  STATUS_UNKNOWN_DOCUMENT: "26",
  STATUS_REFUSED: "27",
  DOCUMENT_CONFLICT: "28",
  DOCUMENT_WITHDRAWN: "29",
  BAD_REQUEST: "30",
  UNKNOWN_OPERATION: "31",
  WRONG_METHOD: "32",
  TOO_LARGE: "33",
  RATE_LIMITED: "34",
  NOT_FETCHED: "35",
  AGENCY_UNKNOWN: "36",
  /** federation: a hub refused a packet that already passed it, or made too many hops */
  HOP_REFUSED: "37",
  /** federation: a peer hub sent a letter of an agency this hub serves itself */
  SENDER_NOT_REMOTE: "38",
  /** federation: the `x-edoc-trace` header is not a hop trace */
  TRACE_INVALID: "39",
  HUB_UNAVAILABLE: "50",
  INTERNAL: "99",
} as const;
export type VdxpError = keyof typeof VDXP_ERRORS;
export type VdxpErrorCode = (typeof VDXP_ERRORS)[VdxpError];

/** Native refusal codes (gateway and archive) → the listener's table. */
const FROM_NATIVE: Record<string, VdxpError> = {
  CLIENT_CERT_REQUIRED: "CLIENT_CERT_REQUIRED",
  CLIENT_CERT_UNTRUSTED: "CLIENT_CERT_REQUIRED",
  CLIENT_CERT_NOT_BOUND: "CLIENT_CERT_REQUIRED",
  SENDER_NOT_AUTHORISED: "FROM_NOT_ALLOWED",
  SENDER_UNKNOWN: "SENDER_UNKNOWN",
  SENDER_INACTIVE: "SENDER_UNKNOWN",
  SIGNER_NOT_BOUND: "SIGNER_NOT_BOUND",
  SIGNATURE_INVALID: "SIGNATURE_INVALID",
  SIGNATURE_UNTRUSTED: "SIGNATURE_INVALID",
  RECIPIENT_UNKNOWN: "RECIPIENT_UNKNOWN",
  RECIPIENT_INACTIVE: "RECIPIENT_INACTIVE",
  NO_RECIPIENT: "RECIPIENT_UNKNOWN",
  EDXML_NOT_WELL_FORMED: "EDXML_INVALID",
  EDXML_FORBIDDEN_CONSTRUCT: "EDXML_INVALID",
  EDXML_NOT_EDXML: "EDXML_INVALID",
  EDXML_INVALID: "EDXML_INVALID",
  EDXML_TOO_LARGE: "TOO_LARGE",
  PAYLOAD_TOO_LARGE: "TOO_LARGE",
  RATE_LIMITED: "RATE_LIMITED",
  WRONG_ENDPOINT: "MESSAGETYPE_MISMATCH",
  STATUS_UNKNOWN: "STATUS_REFUSED",
  STATUS_CODE_INVALID: "STATUS_REFUSED",
  STATUS_UNKNOWN_DOCUMENT: "STATUS_UNKNOWN_DOCUMENT",
  STATUS_NOT_RECEIVED: "STATUS_UNKNOWN_DOCUMENT",
  ORIGINAL_UNKNOWN: "DOCUMENT_NOT_FOUND",
  DOCUMENT_CONFLICT: "DOCUMENT_CONFLICT",
  HUB_DOCUMENT_ID_CONFLICT: "DOCUMENT_CONFLICT",
  DELIVERY_NOT_FOUND: "DOCUMENT_NOT_FOUND",
  DOCUMENT_NOT_FOUND: "DOCUMENT_NOT_FOUND",
  NOT_FOUND: "DOCUMENT_NOT_FOUND",
  DELIVERY_WITHDRAWN: "DOCUMENT_WITHDRAWN",
  DELIVERY_NOT_FETCHED: "NOT_FETCHED",
  ACK_CONFLICT: "STATUS_REFUSED",
  BAD_REQUEST: "BAD_REQUEST",
  RPC_BAD_REQUEST: "BAD_REQUEST",
  HUB_UNAVAILABLE: "HUB_UNAVAILABLE",
  HOP_LOOP: "HOP_REFUSED",
  HOP_LIMIT_EXCEEDED: "HOP_REFUSED",
  SENDER_NOT_REMOTE: "SENDER_NOT_REMOTE",
  TRACE_INVALID: "TRACE_INVALID",
  MAINTENANCE: "HUB_UNAVAILABLE",
  DOCUMENT_UNAVAILABLE: "HUB_UNAVAILABLE",
};

/**
 * The listener's code for a native refusal code. Status-machine refusals (a transition the
 * routing rules forbid) have codes of their own: they are STATUS_REFUSED; anything else unknown
 * is a bad request (4xx) or internal (5xx).
 */
export function vdxpErrorOf(nativeCode: string, httpStatus = 400): VdxpError {
  const known = FROM_NATIVE[nativeCode];
  if (known) return known;
  if (nativeCode.startsWith("STATUS_")) return "STATUS_REFUSED";
  return httpStatus >= 500 ? "INTERNAL" : "BAD_REQUEST";
}
