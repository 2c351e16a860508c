import { RpcError } from "@edoc/bus";
import { VdxpFailure } from "@edoc/vdxp-client";

/**
 * What the forwarder makes of a failed forward. `returned`: the far side refused the packet for
 * good (the law's trả lại: the sender gets the return, with this code); `gone`: the delivery is
 * no longer ours to send (withdrawn by a revoke); `retry`: anything else, the link or either
 * hub being down, or this hub's own link misconfigured: retried, never lost.
 */
export type ForwardOutcome =
  | { kind: "returned"; code: string; message: string }
  | { kind: "gone"; code: string }
  | { kind: "retry"; message: string };

/** Native refusal codes (the far side's `edocCode`) no resend can change. */
const PERMANENT = new Set([
  "SIGNATURE_INVALID",
  "SIGNATURE_UNTRUSTED",
  "SIGNER_NOT_BOUND",
  "RECIPIENT_UNKNOWN",
  "RECIPIENT_INACTIVE",
  "NO_RECIPIENT",
  "HOP_LOOP",
  "HOP_LIMIT_EXCEEDED",
  "SENDER_NOT_REMOTE",
  "SENDER_NOT_AUTHORISED",
  "SENDER_UNKNOWN",
  "SENDER_INACTIVE",
  "EDXML_NOT_WELL_FORMED",
  "EDXML_FORBIDDEN_CONSTRUCT",
  "EDXML_NOT_EDXML",
  "EDXML_INVALID",
  "EDXML_TOO_LARGE",
  "PAYLOAD_TOO_LARGE",
  "STATUS_UNKNOWN",
  "STATUS_CODE_INVALID",
  "STATUS_UNKNOWN_DOCUMENT",
  "STATUS_NOT_RECEIVED",
  "STATUS_OUT_OF_ORDER",
  "STATUS_NOT_ALLOWED_FOR_ROLE",
  "ORIGINAL_UNKNOWN",
  "DOCUMENT_CONFLICT",
  "PACKET_INCONSISTENT",
  "PACKET_UNRECORDABLE",
  "WRONG_ENDPOINT",
]);

/**
 * The listener's ErrorCodes that say the same when a far side (e.g. the real national axis)
 * sends no native code: 16 from not allowed, 17 original unknown, 18 recipient unknown,
 * 19 sender unknown, 20 signature, 21 signer not bound, 22 edXML, 23 recipient inactive,
 * 24 messagetype, 26/27 status refused, 28 conflict, 33 too large. Not 10–15 (this hub's own
 * credentials: an operator fixes them, the letters wait) nor 25 (bytes damaged on the way).
 */
const PERMANENT_VDXP = new Set([
  "16",
  "17",
  "18",
  "19",
  "20",
  "21",
  "22",
  "23",
  "24",
  "26",
  "27",
  "28",
  "33",
]);

export function classify(err: unknown): ForwardOutcome {
  if (err instanceof VdxpFailure) {
    const code = err.edocCode ?? `VDXP_${err.errorCode}`;
    const permanent =
      err.edocCode !== undefined ? PERMANENT.has(err.edocCode) : PERMANENT_VDXP.has(err.errorCode);
    const message = err.envelope.ErrorDesc || err.message;
    return permanent
      ? { kind: "returned", code, message }
      : { kind: "retry", message: err.message };
  }
  // This hub's archive: a delivery withdrawn (or gone) meanwhile is not sent at all.
  if (err instanceof RpcError && err.status < 500) {
    if (err.code === "DELIVERY_WITHDRAWN" || err.code === "DELIVERY_NOT_FOUND") {
      return { kind: "gone", code: err.code };
    }
  }
  return { kind: "retry", message: err instanceof Error ? err.message : String(err) };
}
