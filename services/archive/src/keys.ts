import type { AcceptRequest } from "@edoc/messages";

/** Status codes that may be said more than once about one letter. */
const REPEATABLE = new Set(["05", "13", "15", "16"]);

/** `changes._id`: a sender's change letters (revoke/update/replace) with one DocumentId. */
export const changeKey = (from: string, documentId: string) => `${from}|${documentId}`;

/** `packetKeys._id` of a sender's `new` letter (its dedupe key, see dedupeKey). */
export const newLetterKey = (from: string, documentId: string) => `${from}|new|${documentId}`;

/**
 * The dedupe key (`packetKeys._id`) of an accepted packet: what makes a second submission the
 * same packet.
 * - new / revoke letters: sender, type and DocumentId (one per document);
 * - update / replace: plus the digest (each distinct update is a new packet);
 * - status: reporter, the document answered and the code (a processing status is said once),
 *   plus the digest for the codes that may legitimately repeat: 05 (processing) and the
 *   take-back family 13/15/16 (after a refusal the sender asks again and the recipient answers
 *   again). Whether such a repeat is new or a duplicate is the status machine's call.
 * `statusCode` is the normalized code.
 */
export function dedupeKey(req: AcceptRequest, statusCode?: string): string {
  if (req.kind === "status") {
    const s = req.status;
    const code = statusCode ?? s?.code ?? "";
    const base = `${req.from}|status|${s?.responseForOrganId ?? ""}|${s?.responseForDocumentId ?? ""}|${code}`;
    return REPEATABLE.has(code) ? `${base}|${req.digest}` : base;
  }
  if (req.docType === "new") return newLetterKey(req.from, req.documentId);
  const base = `${req.from}|${req.docType}|${req.documentId}`;
  return req.docType === "update" || req.docType === "replace" ? `${base}|${req.digest}` : base;
}

/** Receipt keys (`receipts._id`): one receipt per attested event. */
export const receiptKeys = {
  accepted: (hubDocumentId: string) => `accepted:${hubDocumentId}`,
  status: (statusHubDocumentId: string) => `status:${statusHubDocumentId}`,
  routed: (deliveryId: string) => `routed:${deliveryId}`,
  available: (deliveryId: string) => `available:${deliveryId}`,
  returned: (hubDocumentId: string, addressedTo: string) =>
    `returned:${hubDocumentId}:${addressedTo}`,
  fetched: (deliveryId: string) => `fetched:${deliveryId}`,
  acknowledged: (deliveryId: string) => `acknowledged:${deliveryId}`,
  /** a delivery a peer hub's link handed over (federation) */
  forwarded: (deliveryId: string) => `forwarded:${deliveryId}`,
  withdrawn: (deliveryId: string) => `withdrawn:${deliveryId}`,
  deadLettered: (deadLetterId: string) => `dead-lettered:${deadLetterId}`,
  /** one re-drive of one dead-letter row */
  redriven: (deadLetterId: string) => `redriven:${deadLetterId}`,
  /** a letter's bytes removed at the end of its retention period */
  purged: (hubDocumentId: string) => `purged:${hubDocumentId}`,
};
