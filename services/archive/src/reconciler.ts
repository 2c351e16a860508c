import type { PacketDoc, PendingRouteDoc } from "./collections.js";
import type { Ctx } from "./context.js";
import {
  discardIncomplete,
  finishPacket,
  forgetPacket,
  packetOwns,
  republishRoute,
  settleAttested,
} from "./finish.js";

const BATCH = 100;

/** An upload no accept claimed this many reconcile periods after it started is abandoned. */
const UPLOAD_STALE_PERIODS = 120;

/**
 * One pass of the reconciler over its work list, `pendingRoutes` (one row per packet still
 * waiting for its plan, so a handful), for the rows whose check is due:
 * - complete (accepted receipt written): re-publish the RouteRequest (the router is idempotent;
 *   the wait doubles after each publication, up to 64 × reconcileMs);
 * - incomplete with its bytes stored: finish it (receipt, publish);
 * - incomplete without bytes: discard it; the sender was never told it was accepted;
 * - planned, dead-lettered or gone (a crash before the row was dropped): drop the row.
 * Work on a packet holds the same lock as an accept of it, so a slow upload in progress is
 * waited for, never mistaken for a crash.
 */
export async function reconcileOnce(ctx: Ctx): Promise<number> {
  const swept = await sweepUploads(ctx);
  const due = await ctx.c.pendingRoutes
    .find({ nextPublishAt: { $lte: new Date() } })
    .sort({ nextPublishAt: 1 })
    .limit(BATCH)
    .toArray();
  let handled = 0;
  for (const candidate of due) {
    await ctx.locks.run(candidate.key, async () => {
      const pending = await ctx.c.pendingRoutes.findOne({ _id: candidate._id });
      if (!pending || pending.nextPublishAt > new Date()) return;
      const row = (await ctx.c.packets.findOne({ _id: pending._id })) ?? pending.row;
      if (row?.key !== pending.key) {
        await forgetPacket(ctx, pending._id, pending.key);
        return;
      }
      if (row.routeState !== "pending") {
        await ctx.c.pendingRoutes.deleteOne({ _id: pending._id });
        return;
      }
      try {
        await reconcilePacket(ctx, row, pending);
        handled++;
      } catch (err) {
        // One stuck packet must not starve the others: look at it again later.
        ctx.log.error({ err, docId: row.hubDocumentId }, "reconciling a packet failed");
        await postpone(ctx, pending, 4);
      }
    });
  }
  return handled + swept;
}

/**
 * Removes the chunks of uploads abandoned before their accept (the gateway died mid-upload, or
 * its accept never came). An upload a packet owns is that packet's from then on: finished or
 * discarded with it.
 */
async function sweepUploads(ctx: Ctx): Promise<number> {
  const before = new Date(Date.now() - ctx.reconcileMs * UPLOAD_STALE_PERIODS);
  const stale = await ctx.blobs.staleUploads(before, BATCH);
  for (const { _id } of stale) {
    if (await packetOwns(ctx, _id)) await ctx.blobs.forgetUpload(_id);
    else {
      ctx.log.warn({ docId: _id }, "removing an upload no accept claimed");
      await ctx.blobs.discardUpload(_id); // complete bytes under the id stay
    }
  }
  return stale.length;
}

async function reconcilePacket(ctx: Ctx, row: PacketDoc, pending: PendingRouteDoc): Promise<void> {
  const log = ctx.log.child({ docId: row.hubDocumentId });
  const wasComplete = row.receiptId !== undefined;
  if (await settleAttested(ctx, row, log)) {
    if (wasComplete) {
      const publishCount = await republishRoute(ctx, row, pending);
      log.warn({ publishCount }, "no routing plan yet; RouteRequest re-published");
    } else {
      // settleAttested has just finished and published it: wait as after a first publication.
      await postpone(ctx, pending, 1);
    }
    return;
  }
  if (await finishPacket(ctx, row, undefined, log)) {
    log.warn("finished an accept interrupted after its bytes were stored");
    await postpone(ctx, pending, 1);
    return;
  }
  log.warn("discarded an accept interrupted before its bytes were stored (never acknowledged)");
  await discardIncomplete(ctx, row);
}

/** The next check of a packet, `times` × reconcileMs from now. */
async function postpone(ctx: Ctx, pending: PendingRouteDoc, times: number): Promise<void> {
  await ctx.c.pendingRoutes.updateOne(
    { _id: pending._id },
    { $set: { nextPublishAt: new Date(Date.now() + ctx.reconcileMs * times) } },
  );
}
