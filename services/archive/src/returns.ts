import type { Receipt } from "@edoc/receipts";
import type { PacketReturn } from "./collections.js";
import type { Ctx } from "./context.js";

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

/** Adds a peer hub's return to its packet row: idempotent (`$addToSet` of the same entry). */
export async function recordReturn(ctx: Ctx, hubDocumentId: string, r: PacketReturn) {
  await ctx.c.packets.updateOne({ _id: hubDocumentId }, { $addToSet: { returned: r } });
}
