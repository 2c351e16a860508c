import type { Receipt } from "@edoc/receipts";
import type { PacketReturn } from "./collections.js";
import type { Ctx } from "./context.js";
import { returnsLock } from "./keys.js";

/**
 * A return as its `returned` receipt attests it (the first one written under its key), so
 * every writer of the same return builds the very same entry, in the same field order, and
 * `$addToSet` keeps one. `fallback` when the receipt lacks the fields.
 */
export function returnEntry(receipt: Receipt, fallback: PacketReturn): PacketReturn {
  const d = receipt.data ?? {};
  const { addressedTo, reason, message, hub } = d;
  if (typeof addressedTo !== "string" || typeof reason !== "string" || typeof message !== "string")
    return entry(fallback);
  return entry({ addressedTo, reason, message, ...(typeof hub === "string" && { hub }) });
}

const entry = (r: PacketReturn): PacketReturn => ({
  addressedTo: r.addressedTo,
  reason: r.reason,
  message: r.message,
  ...(r.hub !== undefined && { hub: r.hub }),
});

/**
 * Runs a packet row's update that adds returns, under the row's returns lock. FerretDB 1.x
 * applies two racing updates of one row from the same read (one's array change is lost), so
 * the plan (when it has hub deliveries) and a peer hub's return take turns, on any instance.
 */
export function withReturnsLock<T>(ctx: Ctx, hubDocumentId: string, fn: () => Promise<T>) {
  return ctx.locks.run(returnsLock(hubDocumentId), fn);
}

/** Adds a peer hub's return to its packet row: idempotent (`$addToSet` of the same entry). */
export async function recordReturn(ctx: Ctx, hubDocumentId: string, r: PacketReturn) {
  await withReturnsLock(ctx, hubDocumentId, () =>
    ctx.c.packets.updateOne({ _id: hubDocumentId }, { $addToSet: { returned: r } }),
  );
}
