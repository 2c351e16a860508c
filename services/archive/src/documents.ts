import { RpcError } from "@edoc/bus";
import type { RpcParamsOf, RpcResultOf, SentDocument, Trace, TraceEvent } from "@edoc/messages";
import type {
  AnswerRef,
  DeliveryDoc,
  DeliveryRef,
  PacketDoc,
  PacketReturn,
  ReceiptDoc,
} from "./collections.js";
import { type Ctx, compact } from "./context.js";
import { statusesOf } from "./originals.js";

function traceEvent(r: ReceiptDoc): TraceEvent {
  return compact({
    receiptId: r.id,
    seq: r.seq,
    type: r.type,
    at: r.at,
    organId: r.organId,
    deliveryId: r.deliveryId,
    data: r.data,
  });
}

/** Did this status come from the recipient of delivery `d`? */
export function answersDelivery(s: AnswerRef, d: DeliveryRef): boolean {
  return s.reporterDeliveryId !== undefined
    ? s.reporterDeliveryId === d.deliveryId
    : s.from === d.addressedTo || s.from === d.recipient;
}

/**
 * A delivery's state as its sender sees it: a peer hub's delivery refused there for good is
 * a return (trả lại), as for a recipient unknown here.
 */
export const senderState = (d: DeliveryDoc): string =>
  d.hub !== undefined && d.state === "failed" ? "returned" : d.state;

/**
 * The packet's returns not already shown by a delivery: a peer hub's return is listed on the
 * row (returns.ts) and its failed delivery shows it too, with the hub and the `returned`
 * receipt (the reason) among its events. One recipient, once.
 */
export function returnsBesides(
  packet: PacketDoc,
  deliveries: readonly Pick<DeliveryDoc, "addressedTo">[],
): PacketReturn[] {
  const shown = new Set(deliveries.map((d) => d.addressedTo));
  return (packet.returned ?? []).filter((r) => !shown.has(r.addressedTo));
}

const refOf = (d: DeliveryDoc): DeliveryRef => ({
  deliveryId: d._id,
  recipient: d.recipient,
  addressedTo: d.addressedTo,
});

/**
 * The deliveries the packets list. A few are read one by one (`_id` lookups); many at once by
 * one `$in` query (a scan on FerretDB, where only single `_id` lookups are pushed down).
 */
async function deliveriesOf(ctx: Ctx, packets: PacketDoc[]): Promise<DeliveryDoc[]> {
  const ids = packets.flatMap((x) => (x.deliveries ?? []).map((d) => d.deliveryId));
  if (ids.length > 16) return ctx.c.deliveries.find({ _id: { $in: ids } });
  const docs = await Promise.all(ids.map((id) => ctx.c.deliveries.findOne({ _id: id })));
  return docs.filter((d) => d !== null);
}

/** RPC `documents.list`: what the caller's organs sent, newest first, with each recipient's state. */
export async function listDocuments(
  ctx: Ctx,
  p: RpcParamsOf<"documents.list">,
): Promise<RpcResultOf<"documents.list">> {
  const packets = await ctx.c.packets
    .find({ from: { $in: p.actingFor } })
    .sort({ createdAt: -1 })
    .limit(p.limit)
    .toArray();
  const deliveries = await deliveriesOf(ctx, packets);
  const documents = packets.map((x): SentDocument => {
    const mine = deliveries.filter((d) => d.hubDocumentId === x.hubDocumentId);
    const answers = statusesOf(x);
    return compact({
      hubDocumentId: x.hubDocumentId,
      documentId: x.documentId,
      docType: x.docType,
      kind: x.kind,
      from: x.from,
      subject: x.subject,
      code: x.code,
      promulgationDate: x.promulgationDate,
      receivedAt: x.receivedAt,
      recipients: [
        ...mine.map((d) =>
          compact({
            recipient: d.addressedTo,
            state: senderState(d),
            lastStatus: answers.filter((s) => answersDelivery(s, refOf(d))).at(-1)?.code,
            deliveryId: d._id,
            fetchedAt: d.fetchedAt,
            hub: d.hub,
          }),
        ),
        ...returnsBesides(x, mine).map((r) => ({ recipient: r.addressedTo, state: "returned" })),
      ],
    });
  });
  return { documents };
}

/**
 * A packet by hubDocumentId, else the latest with that DocumentId, preferring a `new` letter;
 * with `senders`, only one they sent (another agency's document is as unknown as a missing one).
 */
export async function findPacket(
  ctx: Ctx,
  id: string,
  senders?: readonly string[],
): Promise<PacketDoc> {
  const sentBy = (x: PacketDoc) => senders === undefined || senders.includes(x.from);
  const byHubId = await ctx.c.packets.findOne({ _id: id });
  if (byHubId && sentBy(byHubId)) return byHubId;
  const byDocumentId = await ctx.c.packets
    .find({ documentId: id, ...(senders ? { from: { $in: [...senders] } } : {}) })
    .sort({ createdAt: -1 })
    .limit(50)
    .toArray();
  const found =
    byDocumentId.find((x) => x.kind === "letter" && x.docType === "new") ?? byDocumentId[0];
  if (!found) {
    throw new RpcError(
      "DOCUMENT_NOT_FOUND",
      `no document ${id}${senders ? " sent by you" : ""}`,
      404,
    );
  }
  return found;
}

/**
 * RPC `documents.trace`: every receipt of one packet, and per recipient its delivery timeline
 * plus the business statuses it reported about this letter. Senders only.
 */
export async function traceDocument(
  ctx: Ctx,
  p: RpcParamsOf<"documents.trace">,
): Promise<RpcResultOf<"documents.trace">> {
  return traceOf(ctx, await findPacket(ctx, p.id, p.actingFor));
}

/** One packet's trace (documents.trace; the console's too). */
export async function traceOf(ctx: Ctx, packet: PacketDoc): Promise<Trace> {
  const receipts = await ctx.c.receipts
    .find({ hubDocumentId: packet.hubDocumentId })
    .sort({ seq: 1 })
    .toArray();
  const deliveries = (await deliveriesOf(ctx, [packet])).sort((a, b) =>
    a.addressedTo < b.addressedTo ? -1 : a.addressedTo > b.addressedTo ? 1 : 0,
  );
  const statuses = statusesOf(packet);
  const recipients: Trace["recipients"] = deliveries.map((d) => ({
    recipient: d.recipient,
    addressedTo: d.addressedTo,
    deliveryId: d._id,
    state: senderState(d),
    statuses: statuses
      .filter((s) => answersDelivery(s, refOf(d)))
      .map((s) => ({ code: s.code, at: s.receivedAt })),
    events: receipts.filter((r) => r.deliveryId === d._id).map(traceEvent),
    ...(d.hub !== undefined && { hub: d.hub }),
  }));
  for (const r of returnsBesides(packet, deliveries)) {
    recipients.push({
      recipient: r.addressedTo,
      addressedTo: r.addressedTo,
      state: "returned",
      statuses: [],
      events: receipts
        .filter((x) => x.type === "returned" && x.organId === r.addressedTo)
        .map(traceEvent),
    });
  }
  return {
    hubDocumentId: packet.hubDocumentId,
    documentId: packet.documentId,
    from: packet.from,
    docType: packet.docType,
    kind: packet.kind,
    events: receipts.map(traceEvent),
    recipients,
    ...(packet.pdfCheck ? { pdfCheck: packet.pdfCheck } : {}),
    ...(packet.fromHub !== undefined && { fromHub: packet.fromHub }),
    ...(packet.trace !== undefined && packet.trace.length > 0 && { hops: packet.trace }),
  };
}
