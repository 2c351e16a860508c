import { RpcError } from "@edoc/bus";
import type { RouteRequest } from "@edoc/messages";
import type { ReceiptBody, ReceiptDataValue } from "@edoc/receipts";
import type { Logger } from "@edoc/runtime";
import { isDuplicateKeyError } from "@edoc/store";
import type { AnswerRef, PacketDoc, PendingRouteDoc } from "./collections.js";
import { type Ctx, compact, nowIso, rememberPacket, toIsoUtc } from "./context.js";
import { changeKey, receiptKeys } from "./keys.js";
import { asOrganId } from "./ledger.js";

/** A packet's bytes as an accept brings them: inline, or uploaded in chunks (checked). */
export type Payload = { readonly bytes: Buffer } | { readonly chunks: number };

/** The reconciler waits this many times reconcileMs at most between re-publications. */
const MAX_BACKOFF = 64;

/**
 * Completes an accept after its work-list entry (which carries the row) exists: bytes, then the
 * `accepted` receipt (and, for a status, a `status` receipt on the letter it answers), then the
 * lookup lists that name the packet, then the row is inserted complete into `packets`, then
 * the RouteRequest is published. Each step
 * is idempotent, so this runs again safely after a crash at any point. Without `bytes` (the
 * reconciler) the stored bytes must be complete; returns false when they are not. Uploaded
 * chunks must have been checked against the row's digest and size (acceptPacket does).
 */
export async function finishPacket(
  ctx: Ctx,
  row: PacketDoc,
  bytes: Payload | undefined,
  log: Logger,
): Promise<boolean> {
  if (bytes && "bytes" in bytes) await ctx.blobs.put(row.hubDocumentId, bytes.bytes, row.digest);
  else if (bytes) await ctx.blobs.seal(row.hubDocumentId, bytes.chunks, row.digest, row.size);
  else if (!(await ctx.blobs.has(row.hubDocumentId, row.digest, row.size))) return false;

  const accepted = acceptedBody(row);
  const statusBody = statusReceiptBody(row, accepted.at);
  // Both go into the same flush of the chain, in this order.
  const [receipt] = await Promise.all([
    ctx.ledger.append(receiptKeys.accepted(row.hubDocumentId), accepted),
    statusBody && ctx.ledger.append(receiptKeys.status(row.hubDocumentId), statusBody),
  ]);
  if (row.receiptId === undefined) {
    await listPacket(ctx, row);
    row.receiptId = receipt.id;
    row.acceptedAt = receipt.at;
    await ctx.c.packets.insertOne(row).then(
      () => rememberPacket(ctx, row),
      (err: unknown) => {
        // Written already, by an earlier run of this step that crashed before publishing.
        if (!isDuplicateKeyError(err)) throw err;
      },
    );
  }
  try {
    await publishRoute(ctx, row);
  } catch (err) {
    // The packet is durable; the reconciler publishes it later.
    log.warn({ err }, "RouteRequest not published; the reconciler will retry");
  }
  return true;
}

/**
 * Lists an attested packet where the lookups of later packets find it by `_id`: a status in
 * the `answers` of the letter it answers, a change letter in `changes`. `$addToSet`: a replay
 * adds nothing.
 */
async function listPacket(ctx: Ctx, row: PacketDoc): Promise<void> {
  if (row.kind === "status" && row.status && row.refersTo) {
    const answer: AnswerRef = compact({
      hubDocumentId: row.hubDocumentId,
      from: row.from,
      code: row.status.code,
      receivedAt: row.receivedAt,
      createdAt: row.createdAt,
      reporterDeliveryId: row.reporterDeliveryId,
      appliesTo: row.appliesTo,
    });
    await ctx.c.packets.updateOne({ _id: row.refersTo }, { $addToSet: { answers: answer } });
  } else if (row.kind === "letter" && row.docType !== "new") {
    await ctx.c.changes.updateOne(
      { _id: changeKey(row.from, row.documentId) },
      {
        $addToSet: {
          letters: {
            hubDocumentId: row.hubDocumentId,
            docType: row.docType,
            createdAt: row.createdAt,
          },
        },
      },
      { upsert: true },
    );
  }
}

/**
 * True when a packet owns the bytes under this hubDocumentId: its row, or while its accept is
 * incomplete its work-list entry (which the retry or the reconciler finishes or discards).
 */
export async function packetOwns(ctx: Ctx, hubDocumentId: string): Promise<boolean> {
  if (await ctx.c.packets.findOne({ _id: hubDocumentId }, { projection: { _id: 1 } })) return true;
  return (await ctx.c.pendingRoutes.findOne({ _id: hubDocumentId }))?.row !== undefined;
}

/** The signed acceptance receipt given to the sender of a stored packet. */
export async function acceptanceXml(ctx: Ctx, hubDocumentId: string): Promise<string> {
  const receipt = await ctx.c.acceptanceReceipts.findOne({ _id: hubDocumentId });
  if (!receipt) {
    throw new RpcError(
      "RECEIPT_MISSING",
      `the acceptance receipt of ${hubDocumentId} is not stored`,
      500,
    );
  }
  return receipt.xml;
}

/** The `accepted` receipt of a packet. */
export function acceptedBody(row: PacketDoc): ReceiptBody {
  return {
    type: "accepted",
    hubDocumentId: row.hubDocumentId,
    documentId: row.documentId,
    organId: asOrganId(row.from),
    at: toIsoUtc(row.receivedAt),
    digest: row.digest,
    data: acceptedData(row),
  };
}

/** For a status: the `status` receipt on the letter it answers (in that letter's trace). */
export function statusReceiptBody(row: PacketDoc, at: string): ReceiptBody | undefined {
  if (row.kind !== "status" || !row.status || !row.refersTo) return undefined;
  return {
    type: "status",
    hubDocumentId: row.refersTo,
    documentId: row.status.responseForDocumentId,
    deliveryId: row.reporterDeliveryId,
    organId: asOrganId(row.from),
    at,
    data: { code: row.status.code, statusHubDocumentId: row.hubDocumentId },
  };
}

function acceptedData(row: PacketDoc): Record<string, ReceiptDataValue> {
  const data: Record<string, ReceiptDataValue> = {
    kind: row.kind,
    docType: row.docType,
    size: row.size,
    submittedBy: row.submittedBy,
  };
  if (row.status) data.statusCode = row.status.code;
  if (row.refersTo) data.refersTo = row.refersTo;
  // Federation: which peer hub handed it over, and after how many hops (the path is on the row).
  if (row.fromHub) data.fromHub = row.fromHub;
  if (row.trace && row.trace.length > 0) data.hops = row.trace.map((t) => t.hub).join(" ");
  return data;
}

export function routeRequest(row: PacketDoc): RouteRequest {
  return compact({
    hubDocumentId: row.hubDocumentId,
    kind: row.kind,
    docType: row.docType,
    from: row.from,
    documentId: row.documentId,
    to: row.to,
    relatedDocumentId: row.relatedDocumentId,
    status: row.status,
    originalRecipients: row.originalRecipients,
    originalSender: row.originalSender,
    acceptedAt: row.acceptedAt ?? nowIso(),
    fromHub: row.fromHub,
  });
}

/** Publishes the packet's RouteRequest (messageId = hubDocumentId). */
async function publishRoute(ctx: Ctx, row: PacketDoc): Promise<void> {
  await ctx.bus.publishJson("router.inbound", routeRequest(row), {
    messageId: row.hubDocumentId,
    correlationId: row.hubDocumentId,
  });
}

/**
 * The reconciler's re-publication: publishes, then postpones the next one (the wait doubles
 * after each, up to 64 × reconcileMs). Returns the number of re-publications so far.
 */
export async function republishRoute(
  ctx: Ctx,
  row: PacketDoc,
  pending: PendingRouteDoc,
): Promise<number> {
  await publishRoute(ctx, row);
  const count = pending.publishCount + 1;
  const wait = ctx.reconcileMs * Math.min(2 ** count, MAX_BACKOFF);
  await ctx.c.pendingRoutes.updateOne(
    { _id: pending._id },
    { $set: { publishCount: count, nextPublishAt: new Date(Date.now() + wait) } },
  );
  return count;
}

/**
 * Removes a packet that never became complete (no `accepted` receipt): its sender never got
 * an acceptance, so it retries. Bytes first, then its work-list entry (which carries its row)
 * and its dedupe key: a crash in between leaves a state the next retry or the reconciler
 * cleans up too.
 */
export async function discardIncomplete(ctx: Ctx, row: PacketDoc): Promise<void> {
  if (row.receiptId !== undefined) return;
  await ctx.blobs.remove(row.hubDocumentId);
  await forgetPacket(ctx, row.hubDocumentId, row.key);
}

/** Drops the work-list entry and dedupe key of a packet whose row is gone (if they are its). */
export async function forgetPacket(ctx: Ctx, hubDocumentId: string, key: string): Promise<void> {
  const pending = await ctx.c.pendingRoutes.findOne({ _id: hubDocumentId });
  if (pending?.key === key) await ctx.c.pendingRoutes.deleteOne({ _id: hubDocumentId });
  const named = await ctx.c.packetKeys.findOne({ _id: key });
  if (named?.hubDocumentId === hubDocumentId) await ctx.c.packetKeys.deleteOne({ _id: key });
}

/** True when the row is complete, finishing a row whose `accepted` receipt exists already. */
export async function settleAttested(ctx: Ctx, row: PacketDoc, log: Logger): Promise<boolean> {
  if (row.receiptId !== undefined) return true;
  if (!(await ctx.ledger.find(receiptKeys.accepted(row.hubDocumentId)))) return false;
  await finishPacket(ctx, row, undefined, log);
  return true;
}
