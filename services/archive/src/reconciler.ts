import type { PacketDoc } from "./collections.js";
import type { Ctx } from "./context.js";
import { discardIncomplete, finishPacket, publishRoute, settleAttested } from "./finish.js";

const BATCH = 100;

/**
 * One pass of the reconciler: packets still waiting for their plan whose check is due.
 * - complete (accepted receipt written): re-publish the RouteRequest (the router is idempotent;
 *   the wait doubles after each publication, up to 64 × reconcileMs);
 * - incomplete with its bytes stored: finish it (receipt, publish);
 * - incomplete without bytes: discard it; the sender was never told it was accepted.
 * Work on a packet holds the same lock as an accept of it, so a slow upload in progress is
 * waited for, never mistaken for a crash.
 */
export async function reconcileOnce(ctx: Ctx): Promise<number> {
  const due = await ctx.c.packets
    .find({ routeState: "pending", nextPublishAt: { $lte: new Date() } })
    .sort({ nextPublishAt: 1 })
    .limit(BATCH)
    .toArray();
  let handled = 0;
  for (const candidate of due) {
    await ctx.packetLocks.run(candidate._id, async () => {
      const row = await ctx.c.packets.findOne({ _id: candidate._id });
      if (row?.routeState !== "pending" || row.nextPublishAt > new Date()) return;
      try {
        await reconcilePacket(ctx, row);
        handled++;
      } catch (err) {
        // One stuck packet must not starve the others: look at it again later.
        ctx.log.error({ err, docId: row.hubDocumentId }, "reconciling a packet failed");
        await ctx.c.packets.updateOne(
          { _id: row._id },
          { $set: { nextPublishAt: new Date(Date.now() + ctx.reconcileMs * 4) } },
        );
      }
    });
  }
  return handled;
}

async function reconcilePacket(ctx: Ctx, row: PacketDoc): Promise<void> {
  const log = ctx.log.child({ docId: row.hubDocumentId });
  const wasComplete = row.receiptId !== undefined;
  if (await settleAttested(ctx, row, log)) {
    // Not complete before: settleAttested has just finished and published it.
    if (wasComplete) {
      await publishRoute(ctx, row);
      log.warn(
        { publishCount: row.publishCount },
        "no routing plan yet; RouteRequest re-published",
      );
    }
    return;
  }
  if (await finishPacket(ctx, row, undefined, log)) {
    log.warn("finished an accept interrupted after its bytes were stored");
    return;
  }
  log.warn("discarded an accept interrupted before its bytes were stored (never acknowledged)");
  await discardIncomplete(ctx, row);
}
