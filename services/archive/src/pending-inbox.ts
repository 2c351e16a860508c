import type { InboxItem } from "@edoc/messages";
import type { DeliveryDoc } from "./collections.js";
import { compact } from "./context.js";

/**
 * A delivery as inbox answers show it. The pending inbox itself is read from the open
 * `deliveries` (inbox.ts): every archive instance answers it the same.
 */
export function inboxItem(d: DeliveryDoc): InboxItem {
  return compact({
    deliveryId: d._id,
    hubDocumentId: d.hubDocumentId,
    kind: d.kind,
    docType: d.docType,
    from: d.from,
    recipient: d.recipient,
    documentId: d.documentId,
    subject: d.subject,
    statusCode: d.statusCode,
    priority: d.priority,
    state: d.state,
    availableAt: d.availableAt,
    fetchedAt: d.fetchedAt,
    acknowledgedAt: d.acknowledgedAt,
    ackResult: d.ackResult,
    hub: d.hub,
  });
}
