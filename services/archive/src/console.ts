import { RpcError, WORK_QUEUES, type WorkQueue } from "@edoc/bus";
import type {
  ConsoleDeadLetter,
  ConsoleLetter,
  DocType,
  RpcParamsOf,
  RpcResultOf,
  StuckDelivery,
  StuckReason,
} from "@edoc/messages";
import type { Collection, Filter } from "mongodb";
import type { DeadLetterDoc, DeliveryDoc, PacketDoc } from "./collections.js";
import { type Ctx, compact, nowIso } from "./context.js";
import { hubDocumentIdOf } from "./dead-letters.js";
import { answersDelivery, findPacket, returnsBesides, senderState, traceOf } from "./documents.js";
import { receiptKeys } from "./keys.js";
import { statusesOf } from "./originals.js";

/**
 * The operators' console (services/console): `console.search`, `console.trace`,
 * `console.stuck`, `console.deadLetters` and `console.redrive`. The console authenticates its
 * own users, so nothing here is scoped by `actingFor`. These are operator queries, not hot
 * paths: apart from `_id` lookups they scan (FerretDB pushes down only `_id` equality), bounded
 * by their limits.
 */

/** Deliveries read for one state filter of `console.search`. */
const STATE_SCAN = 5_000;
/** Deliveries examined by `console.stuck`. */
const STUCK_SCAN = 20_000;

/** A dead-letter row with the console's re-drive bookkeeping. */
export interface RedrivenDeadLetterDoc extends DeadLetterDoc {
  redrivenAt?: string;
  redrivenBy?: string;
  redriveReceiptId?: string;
}

const deadLetters = (ctx: Ctx) => ctx.c.deadLetters as unknown as Collection<RedrivenDeadLetterDoc>;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The deliveries with these ids, one `$in` read (or none). */
async function deliveriesById(ctx: Ctx, ids: string[]): Promise<Map<string, DeliveryDoc>> {
  if (ids.length === 0) return new Map();
  const docs = await ctx.c.deliveries.find({ _id: { $in: [...new Set(ids)] } });
  return new Map(docs.map((d) => [d._id, d]));
}

function letterOf(x: PacketDoc, byId: Map<string, DeliveryDoc>): ConsoleLetter {
  const statuses = statusesOf(x);
  const seen = new Set<string>();
  const recipients: ConsoleLetter["recipients"] = [];
  for (const ref of x.deliveries ?? []) {
    if (seen.has(ref.deliveryId)) continue;
    seen.add(ref.deliveryId);
    const d = byId.get(ref.deliveryId);
    recipients.push(
      compact({
        recipient: ref.recipient,
        addressedTo: ref.addressedTo,
        deliveryId: ref.deliveryId,
        state: d ? senderState(d) : "planned",
        lastStatus: statuses.filter((s) => answersDelivery(s, ref)).at(-1)?.code,
        hub: d?.hub,
      }),
    );
  }
  for (const r of returnsBesides(x, x.deliveries ?? [])) {
    recipients.push(
      compact({
        recipient: r.addressedTo,
        addressedTo: r.addressedTo,
        state: "returned",
        hub: r.hub,
      }),
    );
  }
  return compact({
    hubDocumentId: x.hubDocumentId,
    documentId: x.documentId,
    kind: x.kind,
    docType: x.docType,
    from: x.from,
    to: x.to,
    subject: x.subject,
    code: x.code,
    priority: x.priority,
    receivedAt: x.receivedAt,
    routeState: x.routeState,
    recipients,
  });
}

async function lettersOf(ctx: Ctx, rows: PacketDoc[]): Promise<ConsoleLetter[]> {
  const byId = await deliveriesById(
    ctx,
    rows.flatMap((x) => (x.deliveries ?? []).map((d) => d.deliveryId)),
  );
  return rows.map((x) => letterOf(x, byId));
}

/** RPC `console.search`: letters by DocumentId, code, parties, time, state; newest first. */
export async function consoleSearch(
  ctx: Ctx,
  p: RpcParamsOf<"console.search">,
): Promise<RpcResultOf<"console.search">> {
  const and: Filter<PacketDoc>[] = [{ kind: "letter" }];
  if (p.documentId !== undefined) {
    and.push({
      $or: [
        { _id: p.documentId },
        { documentId: { $regex: escapeRegex(p.documentId), $options: "i" } },
      ],
    });
  }
  if (p.code !== undefined) and.push({ code: { $regex: escapeRegex(p.code), $options: "i" } });
  if (p.from !== undefined) and.push({ from: { $in: p.from } });
  if (p.to !== undefined)
    and.push({ $or: [{ to: { $in: p.to } }, { "deliveries.recipient": { $in: p.to } }] });
  if (p.since !== undefined) and.push({ createdAt: { $gte: new Date(p.since) } });
  if (p.until !== undefined) and.push({ createdAt: { $lt: new Date(p.until) } });
  if (p.status !== undefined) and.push({ "answers.code": p.status });
  switch (p.state) {
    case undefined:
      break;
    case "pending":
    case "dead-lettered":
      and.push({ routeState: p.state });
      break;
    case "returned":
      and.push({ "returned.0": { $exists: true } });
      break;
    default: {
      const ids = await ctx.c.deliveries.find(
        { state: p.state, kind: "letter" },
        { sort: { availableAt: -1 }, limit: STATE_SCAN },
      );
      and.push({ _id: { $in: [...new Set(ids.map((d) => d.hubDocumentId))] } });
    }
  }
  const rows = await ctx.c.packets
    .find({ $and: and })
    .sort({ createdAt: -1 })
    .limit(p.limit + 1)
    .toArray();
  return {
    letters: await lettersOf(ctx, rows.slice(0, p.limit)),
    truncated: rows.length > p.limit,
  };
}

/**
 * RPC `console.trace`: the sender's trace of one packet (the same logic as `documents.trace`,
 * asked on the sender's behalf) and its summary. `id` is a hubDocumentId or a DocumentId (then
 * the latest `new` letter with it, else the latest packet).
 */
export async function consoleTrace(
  ctx: Ctx,
  p: RpcParamsOf<"console.trace">,
): Promise<RpcResultOf<"console.trace">> {
  const row = await findPacket(ctx, p.id);
  const trace = await traceOf(ctx, row);
  const [letter] = await lettersOf(ctx, [row]);
  if (!letter) throw new RpcError("DOCUMENT_NOT_FOUND", `no document ${p.id}`, 404);
  return { letter, trace };
}

/** Business statuses that show the recipient has the letter in hand (01 or 03, or later). */
const RECEIVED = new Set(["01", "02", "03", "04", "05", "06"]);
/** Letters a recipient registers (a revoke is answered with 15/16 instead). */
const REGISTERED: DocType[] = ["new", "update", "replace"];

/**
 * RPC `console.stuck`: deliveries past the console's thresholds (see the params), oldest first,
 * each with every reason that applies.
 */
export async function consoleStuck(
  ctx: Ctx,
  p: RpcParamsOf<"console.stuck">,
): Promise<RpcResultOf<"console.stuck">> {
  const oldestFirst = { sort: { availableAt: 1 as const }, limit: STUCK_SCAN };
  const transport = await ctx.c.deliveries.find(
    { state: { $in: ["available", "fetched"] }, availableAt: { $gte: p.since } },
    oldestFirst,
  );
  const reception = await ctx.c.deliveries.find(
    {
      kind: "letter",
      docType: { $in: REGISTERED },
      state: { $in: ["available", "fetched", "acknowledged"] },
      availableAt: { $gte: p.since, $lt: p.receptionDueBefore },
    },
    oldestFirst,
  );
  const candidates = new Map<string, DeliveryDoc>();
  for (const d of [...transport, ...reception]) candidates.set(d._id, d);
  // The statuses each letter has had, from its packet row.
  const hubIds = [...new Set([...candidates.values()].map((d) => d.hubDocumentId))];
  const letters =
    hubIds.length === 0
      ? []
      : await ctx.c.packets
          .find({ _id: { $in: hubIds } }, { projection: { answers: 1, hubDocumentId: 1 } })
          .toArray();
  const statusesByLetter = new Map(letters.map((x) => [x._id, statusesOf(x as PacketDoc)]));
  const urgent = [...p.urgent].sort((a, b) => a.priority - b.priority);
  const items: StuckDelivery[] = [];
  for (const d of candidates.values()) {
    const ref = { deliveryId: d._id, recipient: d.recipient, addressedTo: d.addressedTo };
    const mine = (statusesByLetter.get(d.hubDocumentId) ?? []).filter((s) =>
      answersDelivery(s, ref),
    );
    const reasons: StuckReason[] = [];
    const open = d.state === "available" || d.state === "fetched";
    if (d.state === "available" && d.availableAt < p.notFetchedBefore) reasons.push("not-fetched");
    if (d.state === "fetched" && (d.fetchedAt ?? d.availableAt) < p.notAcknowledgedBefore)
      reasons.push("not-acknowledged");
    const priority = d.priority ?? 0;
    const rule = urgent.filter((u) => u.priority <= priority).at(-1);
    if (
      open &&
      d.kind === "letter" &&
      priority >= 1 &&
      rule &&
      d.availableAt < rule.availableBefore
    )
      reasons.push("urgent-overdue");
    if (
      d.kind === "letter" &&
      REGISTERED.includes(d.docType) &&
      d.state !== "withdrawn" &&
      d.state !== "failed" &&
      d.availableAt < p.receptionDueBefore &&
      !mine.some((s) => RECEIVED.has(s.code))
    )
      reasons.push("no-reception-status");
    if (reasons.length === 0) continue;
    items.push(
      compact({
        deliveryId: d._id,
        hubDocumentId: d.hubDocumentId,
        documentId: d.documentId,
        docType: d.docType,
        subject: d.subject,
        from: d.from,
        recipient: d.recipient,
        addressedTo: d.addressedTo,
        priority: d.priority,
        state: d.state,
        availableAt: d.availableAt,
        fetchedAt: d.fetchedAt,
        lastStatus: d.kind === "letter" ? mine.at(-1)?.code : undefined,
        statusCode: d.statusCode,
        reasons,
      }),
    );
  }
  items.sort((a, b) =>
    a.availableAt < b.availableAt ? -1 : a.availableAt > b.availableAt ? 1 : 0,
  );
  return { items: items.slice(0, p.limit), truncated: items.length > p.limit };
}

/** The work queue a dead message came from, if it is one this hub may publish to again. */
function originOf(ctx: Ctx, originQueue: string): WorkQueue | undefined {
  return WORK_QUEUES.find((q) => originQueue === q || originQueue === ctx.bus.name(q));
}

function deadView(ctx: Ctx, r: RedrivenDeadLetterDoc): ConsoleDeadLetter {
  const bytes = Buffer.from(r.body, "base64");
  return compact({
    id: r._id,
    messageId: r.messageId,
    originQueue: r.originQueue,
    reason: r.reason,
    error: r.error,
    deadAt: r.deadAt,
    at: r.at,
    receiptId: r.receiptId,
    hubDocumentId: hubDocumentIdOf(bytes),
    body: bytes.toString("utf8").slice(0, 2000),
    bodyBytes: bytes.length,
    redrivable: originOf(ctx, r.originQueue) !== undefined,
    redrivenAt: r.redrivenAt,
    redrivenBy: r.redrivenBy,
    redriveReceiptId: r.redriveReceiptId,
  });
}

/** RPC `console.deadLetters`: the operators' work list, newest first. */
export async function consoleDeadLetters(
  ctx: Ctx,
  p: RpcParamsOf<"console.deadLetters">,
): Promise<RpcResultOf<"console.deadLetters">> {
  const filter: Filter<RedrivenDeadLetterDoc> =
    p.state === "open"
      ? { redrivenAt: { $exists: false } }
      : p.state === "redriven"
        ? { redrivenAt: { $exists: true } }
        : {};
  const rows = await deadLetters(ctx)
    .find(filter)
    .sort({ at: -1 })
    .limit(p.limit + 1)
    .toArray();
  return {
    items: rows.slice(0, p.limit).map((r) => deadView(ctx, r)),
    truncated: rows.length > p.limit,
  };
}

/**
 * RPC `console.redrive`: the dead message goes back to its origin queue, byte for byte and
 * under its messageId, with the broker's confirm; then a `redriven` receipt (keyed by the row:
 * attested once); then the row is marked. A crash between the steps and a retry publish again,
 * which the idempotent consumers absorb; a row already marked is answered from the mark,
 * without publishing. If the message fails again it is dead-lettered again, as a new row.
 */
export async function consoleRedrive(
  ctx: Ctx,
  p: RpcParamsOf<"console.redrive">,
): Promise<RpcResultOf<"console.redrive">> {
  return ctx.locks.run(receiptKeys.redriven(p.deadLetterId), async () => {
    const row = await deadLetters(ctx).findOne({ _id: p.deadLetterId });
    if (!row) throw new RpcError("DEAD_LETTER_NOT_FOUND", `no dead letter ${p.deadLetterId}`, 404);
    if (row.redrivenAt !== undefined && row.redriveReceiptId !== undefined)
      return {
        outcome: "already-redriven" as const,
        deadLetter: deadView(ctx, row),
        receiptId: row.redriveReceiptId,
      };
    const queue = originOf(ctx, row.originQueue);
    if (!queue)
      throw new RpcError(
        "REDRIVE_NOT_POSSIBLE",
        `${row.originQueue} is not a work queue of this hub; this message cannot be re-driven`,
        409,
      );
    const body = Buffer.from(row.body, "base64");
    await ctx.bus.publish(queue, body, {
      messageId: row.messageId,
      ...(row.correlationId !== undefined ? { correlationId: row.correlationId } : {}),
      headers: { "x-edoc-redriven-from": row._id },
    });
    const named = hubDocumentIdOf(body);
    const receipt = await ctx.ledger.append(receiptKeys.redriven(row._id), {
      type: "redriven",
      hubDocumentId: named ?? row.messageId,
      at: nowIso(),
      data: { deadLetterId: row._id, messageId: row.messageId, originQueue: queue, by: p.by },
    });
    await deadLetters(ctx).updateOne(
      { _id: row._id, redrivenAt: { $exists: false } },
      { $set: { redrivenAt: receipt.at, redrivenBy: p.by, redriveReceiptId: receipt.id } },
    );
    const marked = (await deadLetters(ctx).findOne({ _id: row._id })) ?? row;
    ctx.log
      .child({ docId: named ?? row.messageId })
      .info(
        { deadLetterId: row._id, queue, by: p.by, receiptId: receipt.id },
        "dead letter re-driven",
      );
    return {
      outcome: "redriven" as const,
      deadLetter: deadView(ctx, marked),
      receiptId: receipt.id,
    };
  });
}
