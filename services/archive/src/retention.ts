import { RpcError } from "@edoc/bus";
import type { RpcParamsOf, RpcResultOf } from "@edoc/messages";
import type { PacketDoc } from "./collections.js";
import { type Ctx, nowIso } from "./context.js";
import { receiptKeys } from "./keys.js";
import { asOrganId } from "./ledger.js";

const DAY_MS = 86_400_000;

type Result = RpcResultOf<"retention.apply">;
type Candidate = Result["letters"][number];

/**
 * Retention (thời hạn lưu trữ): a letter's bytes (and so its attachments) are kept
 * `retentionDays` after its acceptance, then removed, while its row, its acceptance receipt and
 * every receipt stay: receipts hold digests, not bytes, so the chain still verifies. Each purge
 * is itself attested by a `purged` receipt (digest and size of what was removed).
 *
 * A letter past the period is kept for now while it is not routed yet or one of its deliveries
 * is still open (available or fetched): the recipient has not had it. Statuses are not purged.
 */
export async function applyRetention(
  ctx: Ctx,
  retentionDays: number,
  p: RpcParamsOf<"retention.apply">,
): Promise<Result> {
  const cutoff = new Date(Date.now() - retentionDays * DAY_MS).toISOString();
  // A scan (acceptedAt is not indexed on FerretDB/SQLite); a daily or hourly batch job.
  const old = await ctx.c.packets
    .find({ kind: "letter", acceptedAt: { $lt: cutoff }, purgedAt: { $exists: false } })
    .sort({ acceptedAt: 1 })
    .toArray();
  const open = new Set(
    old.length === 0
      ? []
      : (
          await ctx.c.deliveries.find({
            hubDocumentId: { $in: old.map((x) => x._id) },
            state: { $in: ["available", "fetched"] },
          })
        ).map((d) => d.hubDocumentId),
  );
  const due = old.filter((x) => x.routeState === "planned" && !open.has(x._id));
  const letters: Candidate[] = [];
  for (const packet of due.slice(0, p.limit)) {
    letters.push(p.dryRun ? candidate(packet) : await purge(ctx, packet, retentionDays));
  }
  return {
    dryRun: p.dryRun,
    retentionDays,
    cutoff,
    letters,
    bytes: letters.reduce((n, l) => n + l.size, 0),
    kept: old.length - due.length,
    more: due.length > p.limit,
  };
}

function candidate(x: PacketDoc): Candidate {
  return {
    hubDocumentId: x._id,
    documentId: x.documentId,
    from: x.from,
    acceptedAt: x.acceptedAt ?? x.receivedAt,
    size: x.size,
  };
}

/**
 * Attest first, then remove the bytes, then mark the row: a crash in between leaves a letter
 * the next run purges again (the receipt is keyed, the removal idempotent), and a fetch in the
 * meantime finds the receipt (inbox.ts).
 */
async function purge(ctx: Ctx, packet: PacketDoc, retentionDays: number): Promise<Candidate> {
  const id = packet._id;
  const receipt = await ctx.ledger.append(receiptKeys.purged(id), {
    type: "purged",
    hubDocumentId: id,
    documentId: packet.documentId,
    organId: asOrganId(packet.from),
    at: nowIso(),
    digest: packet.digest,
    data: { size: packet.size, retentionDays, acceptedAt: packet.acceptedAt ?? null },
  });
  await ctx.blobs.remove(id);
  await ctx.c.packets.updateOne(
    { _id: id },
    { $set: { purgedAt: receipt.at, purgeReceiptId: receipt.id } },
  );
  ctx.log.info({ docId: id, receiptId: receipt.id, size: packet.size }, "letter bytes purged");
  return { ...candidate(packet), receiptId: receipt.id };
}

/** RPC `retention.apply`: the archive's policy, or 409 RETENTION_OFF without one. */
export function retentionApply(retentionDays: number | undefined) {
  return (ctx: Ctx, p: RpcParamsOf<"retention.apply">): Promise<Result> => {
    if (retentionDays === undefined) {
      throw new RpcError(
        "RETENTION_OFF",
        "this archive has no retention policy (set EDOC_RETENTION_DAYS)",
        409,
      );
    }
    return applyRetention(ctx, retentionDays, p);
  };
}

/**
 * The answer for a letter whose bytes are gone by retention: 410 DOCUMENT_PURGED, or
 * undefined when it was not purged (its receipt is looked for when the row is not marked yet).
 */
export async function purgedError(ctx: Ctx, packet: PacketDoc): Promise<RpcError | undefined> {
  const at = packet.purgedAt ?? (await ctx.ledger.find(receiptKeys.purged(packet._id)))?.at;
  if (at === undefined) return undefined;
  return new RpcError(
    "DOCUMENT_PURGED",
    `the bytes of ${packet._id} were removed on ${at} at the end of the retention period; its receipts remain`,
    410,
  );
}
