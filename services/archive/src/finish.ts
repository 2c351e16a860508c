import type { RouteRequest } from "@edoc/messages";
import type { ReceiptBody, ReceiptDataValue } from "@edoc/receipts";
import type { Logger } from "@edoc/runtime";
import type { PacketDoc } from "./collections.js";
import { type Ctx, compact, nowIso, toIsoUtc } from "./context.js";
import { receiptKeys } from "./keys.js";
import { asOrganId } from "./ledger.js";

/** The reconciler waits this many times reconcileMs at most between re-publications. */
const MAX_BACKOFF = 64;

/**
 * Completes an accept after its packet row exists: bytes, then the `accepted` receipt (and,
 * for a status, a `status` receipt on the letter it answers), then the row is marked complete,
 * then the RouteRequest is published. Each step is idempotent, so this runs again safely after
 * a crash at any point. Without `bytes` (the reconciler) the stored file must be complete;
 * returns false when it is not.
 */
export async function finishPacket(
  ctx: Ctx,
  row: PacketDoc,
  bytes: Buffer | undefined,
  log: Logger,
): Promise<boolean> {
  if (bytes) await ctx.blobs.put(row.hubDocumentId, bytes, row.digest);
  else if (!(await ctx.blobs.has(row.hubDocumentId, row.digest, row.size))) return false;

  const receipt = await ctx.ledger.append(
    receiptKeys.accepted(row.hubDocumentId),
    acceptedBody(row),
  );
  const statusBody = statusReceiptBody(row, receipt.at);
  if (statusBody) await ctx.ledger.append(receiptKeys.status(row.hubDocumentId), statusBody);
  if (row.receiptId === undefined) {
    await ctx.c.packets.updateOne(
      { _id: row._id },
      { $set: { receiptId: receipt.id, acceptedAt: receipt.at } },
    );
    row.receiptId = receipt.id;
    row.acceptedAt = receipt.at;
  }
  try {
    await publishRoute(ctx, row);
  } catch (err) {
    // The packet is durable; the reconciler publishes it later.
    log.warn({ err }, "RouteRequest not published; the reconciler will retry");
  }
  return true;
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
  });
}

/** Publishes the packet's RouteRequest (messageId = hubDocumentId) and schedules the next check. */
export async function publishRoute(ctx: Ctx, row: PacketDoc): Promise<void> {
  await ctx.bus.publishJson("router.inbound", routeRequest(row), {
    messageId: row.hubDocumentId,
    correlationId: row.hubDocumentId,
  });
  const count = (row.publishCount ?? 0) + 1;
  const wait = ctx.reconcileMs * Math.min(2 ** (count - 1), MAX_BACKOFF);
  const now = Date.now();
  await ctx.c.packets.updateOne(
    { _id: row._id, routeState: "pending" },
    {
      $set: {
        publishedAt: new Date(now),
        publishCount: count,
        nextPublishAt: new Date(now + wait),
      },
    },
  );
  row.publishCount = count;
}

/**
 * Removes a packet row that never became complete (no `accepted` receipt): its sender never
 * got an acceptance, so it retries. Bytes first: a crash in between leaves the same state.
 */
export async function discardIncomplete(ctx: Ctx, row: PacketDoc): Promise<void> {
  await ctx.blobs.remove(row.hubDocumentId);
  await ctx.c.packets.deleteOne({ _id: row._id, receiptId: { $exists: false } });
}

/** True when the row is complete, finishing a row whose `accepted` receipt exists already. */
export async function settleAttested(ctx: Ctx, row: PacketDoc, log: Logger): Promise<boolean> {
  if (row.receiptId !== undefined) return true;
  if (!(await ctx.ledger.find(receiptKeys.accepted(row.hubDocumentId)))) return false;
  await finishPacket(ctx, row, undefined, log);
  return true;
}
