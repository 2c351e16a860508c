import { RpcError } from "@edoc/bus";
import type { InboxItem, RpcParamsOf, RpcResultOf } from "@edoc/messages";
import type { Filter } from "mongodb";
import { sha256 } from "./blobs.js";
import type { DeliveryDoc } from "./collections.js";
import { type Ctx, compact, nowIso } from "./context.js";
import { receiptKeys } from "./keys.js";
import { asOrganId } from "./ledger.js";

/** Inbox listings are bounded; a system drains its inbox by fetching and acknowledging. */
export const INBOX_LIMIT = 500;

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
  });
}

const STATES: Record<RpcParamsOf<"inbox.list">["state"], DeliveryDoc["state"][] | undefined> = {
  pending: ["available"],
  fetched: ["fetched", "acknowledged", "failed"],
  all: undefined,
};

export async function listInbox(
  ctx: Ctx,
  p: RpcParamsOf<"inbox.list">,
): Promise<RpcResultOf<"inbox.list">> {
  const states = STATES[p.state];
  const filter: Filter<DeliveryDoc> = { recipient: { $in: p.actingFor } };
  if (states) filter.state = { $in: states };
  const docs = await ctx.c.deliveries
    .find(filter)
    .sort({ availableAt: -1, _id: -1 })
    .limit(INBOX_LIMIT)
    .toArray();
  return { items: docs.map(inboxItem) };
}

/**
 * A delivery of one of the caller's organs. Someone else's id gets the very same answer as an
 * unknown one, so ids reveal nothing about other agencies' mail.
 */
async function ownDelivery(ctx: Ctx, actingFor: string[], deliveryId: string) {
  const d = await ctx.c.deliveries.findOne({ _id: deliveryId, recipient: { $in: actingFor } });
  if (!d) throw new RpcError("DELIVERY_NOT_FOUND", `no delivery ${deliveryId} for you`, 404);
  if (d.state === "withdrawn") {
    throw new RpcError(
      "DELIVERY_WITHDRAWN",
      `delivery ${deliveryId} was withdrawn by its sender (revoked before you fetched it)`,
      410,
    );
  }
  return d;
}

export async function fetchDelivery(
  ctx: Ctx,
  p: RpcParamsOf<"inbox.fetch">,
): Promise<RpcResultOf<"inbox.fetch">> {
  let d = await ownDelivery(ctx, p.actingFor, p.deliveryId);
  const log = ctx.log.child({ docId: d.hubDocumentId, deliveryId: d._id });
  const packet = await ctx.c.packets.findOne({ hubDocumentId: d.hubDocumentId });
  const bytes = await ctx.blobs.get(d.hubDocumentId);
  if (!packet || !bytes || sha256(bytes) !== packet.digest) {
    log.error({ stored: bytes?.length }, "stored bytes missing or altered");
    throw new RpcError("DOCUMENT_UNAVAILABLE", "the stored document cannot be read", 500);
  }
  if (d.state === "available") {
    const updated = await ctx.c.deliveries.findOneAndUpdate(
      { _id: d._id, state: "available" },
      { $set: { state: "fetched", fetchedAt: nowIso() } },
      { returnDocument: "after" },
    );
    if (updated) log.info("delivery fetched");
    // Lost a race (withdrawn or fetched meanwhile): judge the current state.
    d = updated ?? (await ownDelivery(ctx, p.actingFor, p.deliveryId));
  }
  if (d.fetchedAt) {
    // Keyed: the first fetch is attested once (and again after a crash right before it).
    await ctx.ledger.append(receiptKeys.fetched(d._id), {
      type: "fetched",
      hubDocumentId: d.hubDocumentId,
      documentId: d.documentId,
      deliveryId: d._id,
      organId: asOrganId(d.recipient),
      at: d.fetchedAt,
      digest: packet.digest,
    });
  }
  return { item: inboxItem(d), edxml: bytes.toString("base64") };
}

export async function ackDelivery(
  ctx: Ctx,
  p: RpcParamsOf<"inbox.ack">,
): Promise<RpcResultOf<"inbox.ack">> {
  let d = await ownDelivery(ctx, p.actingFor, p.deliveryId);
  const log = ctx.log.child({ docId: d.hubDocumentId, deliveryId: d._id });
  const target: DeliveryDoc["state"] = p.result === "done" ? "acknowledged" : "failed";
  if (d.state === "available") {
    throw new RpcError(
      "DELIVERY_NOT_FETCHED",
      `delivery ${d._id} was not fetched yet; fetch it before acknowledging`,
      409,
    );
  }
  if (d.state === "fetched") {
    const updated = await ctx.c.deliveries.findOneAndUpdate(
      { _id: d._id, state: "fetched" },
      {
        $set: compact({
          state: target,
          acknowledgedAt: nowIso(),
          ackResult: p.result,
          ackReason: p.reason,
        }),
      },
      { returnDocument: "after" },
    );
    d = updated ?? (await ownDelivery(ctx, p.actingFor, p.deliveryId));
  }
  if (d.ackResult !== p.result) {
    throw new RpcError(
      "ACK_CONFLICT",
      `delivery ${d._id} was already acknowledged with ${d.ackResult ?? "nothing"}`,
      409,
    );
  }
  await ctx.ledger.append(receiptKeys.acknowledged(d._id), {
    type: "acknowledged",
    hubDocumentId: d.hubDocumentId,
    documentId: d.documentId,
    deliveryId: d._id,
    organId: asOrganId(d.recipient),
    at: d.acknowledgedAt ?? nowIso(),
    data: { result: p.result, reason: d.ackReason ?? null },
  });
  log.info({ result: p.result }, "delivery acknowledged");
  return { item: inboxItem(d) };
}
