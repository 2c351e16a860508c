import { RpcBytes, RpcError } from "@edoc/bus";
import type { RpcParamsOf, RpcResultOf } from "@edoc/messages";
import { sha256Hex } from "@edoc/receipts";
import {
  type DeliveryEvent,
  type DeliveryRefusalCode,
  type DeliveryState,
  decideDelivery,
} from "@edoc/routing";
import type { Filter } from "mongodb";
import type { DeliveryDoc } from "./collections.js";
import { type Ctx, compact, nowIso } from "./context.js";
import { lifecycleOf } from "./deliveries.js";
import { receiptKeys } from "./keys.js";
import { asOrganId } from "./ledger.js";
import { inboxItem } from "./pending-inbox.js";
import { purgedError } from "./retention.js";
import { recordReturn, returnEntry } from "./returns.js";

const STATES: Record<RpcParamsOf<"inbox.list">["state"], DeliveryDoc["state"][] | undefined> = {
  pending: ["available"],
  fetched: ["fetched", "acknowledged", "failed"],
  open: ["available", "fetched"],
  all: undefined,
};

export async function listInbox(
  ctx: Ctx,
  p: RpcParamsOf<"inbox.list">,
): Promise<RpcResultOf<"inbox.list">> {
  const hubs = p.hubs ?? [];
  const states = STATES[p.state];
  // An agency's own deliveries, and (federation) those its peer hub's link takes.
  const mine: Filter<DeliveryDoc> = { recipient: { $in: p.actingFor }, hub: { $exists: false } };
  const filter: Filter<DeliveryDoc> =
    hubs.length === 0
      ? mine
      : p.actingFor.length === 0
        ? { hub: { $in: hubs } }
        : { $or: [mine, { hub: { $in: hubs } }] };
  if (states) filter.state = { $in: states };
  const dir = p.oldestFirst ? 1 : -1;
  const docs = await ctx.c.deliveries.find(filter, {
    sort: { availableAt: dir, _id: dir },
    limit: p.limit,
  });
  return { items: docs.map(inboxItem) };
}

/** Who may see a delivery: its recipient's systems, or for a peer hub's, that hub's link only. */
function owns(d: DeliveryDoc, actingFor: readonly string[], hubs: readonly string[] = []): boolean {
  return d.hub === undefined ? actingFor.includes(d.recipient) : hubs.includes(d.hub);
}

/**
 * A delivery of one of the caller's organs (or peer hubs). Someone else's id gets the very
 * same answer as an unknown one, so ids reveal nothing about other agencies' mail.
 */
async function ownDelivery(
  ctx: Ctx,
  actingFor: string[],
  hubs: string[] | undefined,
  deliveryId: string,
) {
  const d = await ctx.c.deliveries.findOne({ _id: deliveryId });
  if (!d || !owns(d, actingFor, hubs)) {
    throw new RpcError("DELIVERY_NOT_FOUND", `no delivery ${deliveryId} for you`, 404);
  }
  return d;
}

const REFUSED_WITH: Record<DeliveryRefusalCode, number> = {
  DELIVERY_WITHDRAWN: 410,
  DELIVERY_NOT_FETCHED: 409,
  ACK_CONFLICT: 409,
};

/**
 * The delivery lifecycle's answer to `event` (@edoc/routing decideDelivery): the state to
 * move to, or undefined when there is nothing to write; a refusal is thrown.
 */
function decide(d: DeliveryDoc, event: DeliveryEvent): DeliveryState | undefined {
  const decision = decideDelivery(lifecycleOf(d), event);
  if (decision.action === "refuse") {
    throw new RpcError(decision.code, decision.message, REFUSED_WITH[decision.code]);
  }
  return decision.action === "move" ? decision.to : undefined;
}

/**
 * State changes of one delivery (fetch, ack, withdraw) are conditional writes
 * (`Deliveries.move`), so whichever archive instance serves it, a fetch racing a withdrawal or
 * another fetch sees the winner's state.
 */
export async function fetchDelivery(
  ctx: Ctx,
  p: RpcParamsOf<"inbox.fetch">,
): Promise<RpcResultOf<"inbox.fetch">> {
  let d = await ownDelivery(ctx, p.actingFor, p.hubs, p.deliveryId);
  const to = decide(d, { type: "fetch" });
  const log = ctx.log.child({ docId: d.hubDocumentId, deliveryId: d._id });
  // An open delivery's letter cannot be purged (retention waits for every delivery to
  // settle), so its digest on the delivery row is all the check needs: no packet read.
  const known = d.state === "available" || d.state === "fetched" ? d.digest : undefined;
  let packet = known ? undefined : await ctx.c.packets.findOne({ _id: d.hubDocumentId });
  const digest = known ?? packet?.digest;
  const stored =
    digest && !packet?.purgedAt ? await readable(ctx, d.hubDocumentId, digest) : undefined;
  if (!stored) {
    packet ??= await ctx.c.packets.findOne({ _id: d.hubDocumentId });
    const purged = packet ? await purgedError(ctx, packet) : undefined;
    if (purged) throw purged;
  }
  if (!digest || !stored) {
    log.error("stored bytes missing or altered");
    throw new RpcError("DOCUMENT_UNAVAILABLE", "the stored document cannot be read", 500);
  }
  if (to) {
    d = await ctx.c.deliveries.move(d, { state: to, fetchedAt: nowIso() });
    decide(d, { type: "fetch" }); // a withdrawal that won the race refuses
    log.info("delivery fetched");
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
      digest,
    });
  }
  // A peer hub's link passes the hops on (and adds this hub's own entry when it sends).
  if (d.hub !== undefined) packet ??= await ctx.c.packets.findOne({ _id: d.hubDocumentId });
  const trace = d.hub !== undefined ? { trace: packet?.trace ?? [] } : {};
  return "bytes" in stored
    ? { item: inboxItem(d), edxml: stored.bytes.toString("base64"), ...trace }
    : { item: inboxItem(d), chunks: stored.chunks, size: stored.size, ...trace };
}

/**
 * The stored bytes when they match the digest: whole, or (uploaded in chunks) checked one
 * chunk at a time and served by `inbox.fetchChunk`, so no message holds a large packet whole.
 */
async function readable(
  ctx: Ctx,
  hubDocumentId: string,
  digest: string,
): Promise<{ bytes: Buffer } | { chunks: number; size: number } | undefined> {
  const row = await ctx.c.blobs.findOne({ _id: hubDocumentId });
  if (row?.digest !== digest) return undefined;
  if (row.chunks !== undefined && row.chunkBytes !== undefined) {
    const ok = await ctx.blobs.checkChunks(hubDocumentId, row.chunks, digest, row.size);
    return ok ? { chunks: row.chunks, size: row.size } : undefined;
  }
  // Inline, or (an inline letter over 8 MiB) split: read whole, once.
  const bytes = row.data ?? (await ctx.blobs.get(hubDocumentId));
  return bytes && sha256Hex(bytes) === digest ? { bytes } : undefined;
}

/**
 * RPC `inbox.fetchChunk`: one chunk of a delivery's packet, after `inbox.fetch` (which checked
 * the bytes, marked the delivery fetched and wrote its receipt). Same answers as fetch for
 * someone else's or an unknown delivery.
 */
export async function fetchDeliveryChunk(
  ctx: Ctx,
  p: RpcParamsOf<"inbox.fetchChunk">,
): Promise<RpcBytes> {
  const d = await ownDelivery(ctx, p.actingFor, p.hubs, p.deliveryId);
  decide(d, { type: "fetchChunk" });
  const data = await ctx.blobs.chunk(d.hubDocumentId, p.index);
  if (!data) {
    const packet = await ctx.c.packets.findOne({ _id: d.hubDocumentId });
    const purged = packet ? await purgedError(ctx, packet) : undefined;
    if (purged) throw purged;
    ctx.log.error({ docId: d.hubDocumentId, index: p.index }, "stored chunk missing");
    throw new RpcError("DOCUMENT_UNAVAILABLE", "the stored document cannot be read", 500);
  }
  return new RpcBytes({}, data);
}

export async function ackDelivery(
  ctx: Ctx,
  p: RpcParamsOf<"inbox.ack">,
): Promise<RpcResultOf<"inbox.ack">> {
  let d = await ownDelivery(ctx, p.actingFor, p.hubs, p.deliveryId);
  const event: DeliveryEvent = { type: "ack", result: p.result };
  const to = decide(d, event);
  const log = ctx.log.child({ docId: d.hubDocumentId, deliveryId: d._id });
  if (p.forward !== undefined && p.forward.hub !== d.hub) {
    throw new RpcError(
      "FORWARD_HUB_MISMATCH",
      `delivery ${d._id} is for ${d.hub === undefined ? "this hub" : `hub ${d.hub}`}, not ${p.forward.hub}`,
      409,
    );
  }
  if (to) {
    const patch = compact({
      state: to,
      acknowledgedAt: nowIso(),
      ackResult: p.result,
      ackReason: p.reason,
      remoteReceipt: d.hub !== undefined ? p.forward?.remoteReceipt : undefined,
    });
    d = await ctx.c.deliveries.move(d, patch);
    decide(d, event); // the first result stored stands: another instance's other one refuses
  }
  if (d.hub !== undefined) {
    await settleForward(ctx, d);
    log.info({ result: p.result, hub: d.hub }, "hub delivery settled");
    return { item: inboxItem(d) };
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

/**
 * The end of a peer hub's delivery (liên thông): taken by the far side → `forwarded` (the
 * peer hub, the far side's id); refused there for good → `returned` under the same key as a
 * router's return, so the sender sees the return as for an unknown recipient. The reason is
 * the link's, `CODE: message` (its code becomes the return reason).
 */
async function settleForward(ctx: Ctx, d: DeliveryDoc): Promise<void> {
  const base = {
    hubDocumentId: d.hubDocumentId,
    documentId: d.documentId,
    organId: asOrganId(d.recipient),
    at: d.acknowledgedAt ?? nowIso(),
  };
  if (d.ackResult === "done") {
    await ctx.ledger.append(receiptKeys.forwarded(d._id), {
      ...base,
      type: "forwarded",
      deliveryId: d._id,
      data: { hub: d.hub ?? null, remoteReceipt: d.remoteReceipt ?? null },
    });
    return;
  }
  const why = /^([A-Z][A-Z0-9_]*): ([\s\S]*)$/.exec(d.ackReason ?? "");
  const returned = {
    addressedTo: d.addressedTo,
    reason: why?.[1] ?? "REFUSED_BY_PEER_HUB",
    message: why?.[2] ?? d.ackReason ?? `refused by hub ${d.hub ?? "?"}`,
  };
  const receipt = await ctx.ledger.append(receiptKeys.returned(d.hubDocumentId, d.addressedTo), {
    ...base,
    type: "returned",
    deliveryId: d._id,
    data: { ...returned, hub: d.hub ?? null },
  });
  // Attested first, then listed on the packet like the router's returns (reports, the
  // console's filter); an ack replayed after a crash lists it again, adding nothing.
  await recordReturn(ctx, d.hubDocumentId, returnEntry(receipt, { ...returned, hub: d.hub }));
}
