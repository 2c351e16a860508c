import type { InboundMessage } from "@edoc/bus";
import { sha256Hex } from "@edoc/receipts";
import { isDuplicateKeyError } from "@edoc/store";
import type { DeadLetterDoc } from "./collections.js";
import { type Ctx, compact, nowIso } from "./context.js";
import { receiptKeys } from "./keys.js";

function header(msg: InboundMessage, name: string): string | undefined {
  const v = msg.headers[name];
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  return undefined;
}

/** The hubDocumentId a dead message was about, when its body says (RouteRequest, plans…). */
export function hubDocumentIdOf(body: Buffer): string | undefined {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    if (typeof value === "object" && value !== null && "hubDocumentId" in value) {
      const id = (value as { hubDocumentId: unknown }).hubDocumentId;
      if (typeof id === "string" && id !== "" && id.length <= 1024) return id;
    }
  } catch {
    // not JSON: kept as bytes
  }
  return undefined;
}

/**
 * Consumer of the `dead` queue: every message a consumer gave up on becomes a `deadLetters`
 * row (the operators' work list for re-driving) and a `dead-lettered` receipt. Messages the bus
 * dead-lettered carry `x-edoc-*` headers; ones the broker dead-lettered itself (its delivery
 * limit) carry `x-first-death-*`. Never throws PermanentError: that would dead-letter into
 * this same queue.
 */
export async function handleDeadLetter(ctx: Ctx, msg: InboundMessage): Promise<void> {
  const messageId = msg.messageId ?? `sha256:${sha256Hex(msg.body)}`;
  const deadAt = header(msg, "x-edoc-dead-at");
  const row: DeadLetterDoc = compact({
    _id: messageId,
    messageId,
    originQueue:
      header(msg, "x-edoc-origin-queue") ?? header(msg, "x-first-death-queue") ?? "unknown",
    reason: header(msg, "x-edoc-reason") ?? header(msg, "x-first-death-reason") ?? "unknown",
    error: header(msg, "x-edoc-error"),
    body: msg.body.toString("base64"),
    correlationId: msg.correlationId,
    deadAt,
    at: nowIso(),
  });
  try {
    await ctx.c.deadLetters.insertOne(row);
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const earlier = await ctx.c.deadLetters.findOne({ _id: messageId });
    // The same message dead-lettered again later (after a re-drive): a row of its own.
    if (earlier && earlier.deadAt !== deadAt) {
      row._id = `${messageId}@${deadAt ?? row.at}`;
      const { _id, ...fields } = row;
      await ctx.c.deadLetters.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true });
    }
  }
  const named = hubDocumentIdOf(msg.body);
  const hubDocumentId = named ?? messageId;
  const log = ctx.log.child({ docId: hubDocumentId });
  const receipt = await ctx.ledger.append(receiptKeys.deadLettered(row._id), {
    type: "dead-lettered",
    hubDocumentId,
    at: row.at,
    data: compact({ messageId, originQueue: row.originQueue, reason: row.reason }),
  });
  await ctx.c.deadLetters.updateOne({ _id: row._id }, { $set: { receiptId: receipt.id } });
  // A RouteRequest nobody could route: stop re-publishing it until an operator re-drives it.
  if (row.originQueue.endsWith("router.inbound") && named) {
    await ctx.c.packets.updateOne(
      { _id: hubDocumentId, routeState: "pending" },
      { $set: { routeState: "dead-lettered" } },
    );
    await ctx.c.pendingRoutes.deleteOne({ _id: hubDocumentId });
  }
  log.error(
    { messageId, originQueue: row.originQueue, reason: row.reason, error: row.error },
    "message dead-lettered",
  );
}
