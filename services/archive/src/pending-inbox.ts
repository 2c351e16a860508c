import type { InboxItem } from "@edoc/messages";
import type { DeliveryDoc } from "./collections.js";
import { compact } from "./context.js";
import type { Deliveries } from "./deliveries.js";

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

/**
 * Whose list a delivery is on: its recipient's, or (federation) its peer hub's link's, never
 * both: a delivery for a peer hub is fetched by that hub's link only.
 */
export function inboxKey(d: Pick<DeliveryDoc, "recipient" | "hub">): string {
  return d.hub === undefined ? d.recipient : hubKey(d.hub);
}

/** The list key of a peer hub's deliveries (`hub:` cannot start an OrganId). */
export const hubKey = (hub: string): string => `hub:${hub}`;

/**
 * The deliveries waiting to be fetched, per recipient: what every agency system polls for
 * (`inbox.list` state pending), answered from memory. On FerretDB/SQLite a query by recipient
 * scans every delivery ever made (row-cache.ts), and twenty polling systems made that the
 * fan-out case's whole cost.
 *
 * Derived from the `deliveries` rows, which only this process writes (docs/archive.md): loaded
 * once at start, then changed after each write that makes a delivery available (a stored
 * plan), or takes it out (fetch, withdrawal), under that delivery's lock.
 */
export class PendingInbox {
  private readonly byRecipient = new Map<string, Map<string, InboxItem>>();

  async load(deliveries: Deliveries): Promise<number> {
    this.byRecipient.clear();
    const available = await deliveries.find({ state: "available" });
    for (const d of available) this.add(d);
    return available.length;
  }

  /** Lists the delivery if it is available. */
  add(d: DeliveryDoc): void {
    if (d.state !== "available") return;
    const key = inboxKey(d);
    let mine = this.byRecipient.get(key);
    if (!mine) {
      mine = new Map();
      this.byRecipient.set(key, mine);
    }
    mine.set(d._id, inboxItem(d));
  }

  remove(d: Pick<DeliveryDoc, "_id" | "recipient" | "hub">): void {
    const key = inboxKey(d);
    const mine = this.byRecipient.get(key);
    if (!mine) return;
    mine.delete(d._id);
    if (mine.size === 0) this.byRecipient.delete(key);
  }

  /**
   * The newest first (availableAt, then deliveryId, descending), or with `oldestFirst` the
   * reverse, at most `limit`. `keys`: recipients, and `hubKey`s for peer hubs' links.
   */
  list(keys: readonly string[], limit: number, oldestFirst = false): InboxItem[] {
    const items = [...new Set(keys)].flatMap((r) => [...(this.byRecipient.get(r)?.values() ?? [])]);
    const dir = oldestFirst ? -1 : 1;
    items.sort(
      (a, b) =>
        dir *
        (a.availableAt === b.availableAt
          ? b.deliveryId.localeCompare(a.deliveryId)
          : b.availableAt.localeCompare(a.availableAt)),
    );
    return items.slice(0, limit);
  }
}
