import { type InboundMessage, PermanentError } from "@edoc/bus";
import { type PlannedDelivery, RoutingPlanMessage } from "@edoc/messages";
import type { Receipt } from "@edoc/receipts";
import { decideDelivery } from "@edoc/routing";
import type { Logger } from "@edoc/runtime";
import type { DeliveryDoc, DeliveryRef, PacketDoc } from "./collections.js";
import { type Ctx, compact, nowIso, packetFacts } from "./context.js";
import { lifecycleOf } from "./deliveries.js";
import { receiptKeys } from "./keys.js";
import { asOrganId } from "./ledger.js";
import { returnEntry } from "./returns.js";

/**
 * Consumer of `archive.plans`: stores the router's plan for one packet. Every write is keyed
 * by `_id` (a keyed receipt, an insert that keeps what is there, `$addToSet`, a delete), so a
 * redelivered (or re-planned) message adds nothing, even for deliveries settled meanwhile,
 * and erases nothing (a peer hub's return listed since stays).
 */
export async function handlePlan(ctx: Ctx, msg: InboundMessage): Promise<void> {
  let raw: unknown;
  try {
    raw = msg.json();
  } catch {
    throw new PermanentError("PLAN_INVALID", "routing plan is not JSON");
  }
  const parsed = RoutingPlanMessage.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentError(
      "PLAN_INVALID",
      `routing plan: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid"}`,
    );
  }
  const plan = parsed.data;
  const log = ctx.log.child({ docId: plan.hubDocumentId });
  // Only its fields written once are used here (withdraw reads the original's deliveries anew).
  const packet = await packetFacts(ctx, plan.hubDocumentId);
  if (!packet?.receiptId) {
    throw new PermanentError(
      "PLAN_UNKNOWN_PACKET",
      `routing plan for ${plan.hubDocumentId}, which the archive did not accept`,
    );
  }

  // 1. The receipts, in one flush of the chain: a delivery is attested before anyone sees it.
  const at = nowIso();
  const receipts: Promise<unknown>[] = [];
  const attested = new Map<string, Promise<Receipt>>();
  for (const d of plan.deliveries) {
    const base = {
      hubDocumentId: packet.hubDocumentId,
      documentId: packet.documentId,
      deliveryId: d.deliveryId,
      organId: asOrganId(d.recipient),
      at,
    };
    receipts.push(
      ctx.ledger.append(receiptKeys.routed(d.deliveryId), {
        ...base,
        type: "routed",
        data: {
          addressedTo: d.addressedTo,
          via: d.via.join(" "),
          ...(d.hub !== undefined && { hub: d.hub }),
        },
      }),
    );
    const available = ctx.ledger.append(receiptKeys.available(d.deliveryId), {
      ...base,
      type: "available",
    });
    attested.set(d.deliveryId, available);
    receipts.push(available);
  }
  const returns = plan.returned.map((r) =>
    ctx.ledger
      .append(receiptKeys.returned(packet.hubDocumentId, r.addressedTo), {
        type: "returned",
        hubDocumentId: packet.hubDocumentId,
        documentId: packet.documentId,
        organId: asOrganId(r.addressedTo),
        at,
        data: { addressedTo: r.addressedTo, reason: r.reason, message: r.message },
      })
      .then((receipt) => returnEntry(receipt, r)),
  );
  receipts.push(...returns);
  await Promise.all(receipts);
  // Attested before this run (its receipt is older): an earlier run of this plan stored it.
  const replayed = new Set<string>();
  for (const [id, receipt] of attested) if ((await receipt).at !== at) replayed.add(id);

  // 2. The deliveries become visible (a replayed plan's inserts find them there), 3. a revoke
  // withdraws, 4. the packet lists them and is planned, and leaves the reconciler's work list.
  const deliveries = plan.deliveries.map(
    (d): DeliveryDoc =>
      compact({
        _id: d.deliveryId,
        hubDocumentId: packet.hubDocumentId,
        recipient: d.recipient,
        addressedTo: d.addressedTo,
        via: d.via,
        kind: packet.kind,
        docType: packet.docType,
        from: packet.from,
        documentId: packet.documentId,
        subject: packet.subject,
        statusCode: packet.status?.code,
        priority: packet.priority,
        state: "available" as const,
        availableAt: at,
        digest: packet.digest,
        hub: d.hub,
      }),
  );
  // The pending inbox is read from the open deliveries: once inserted, they are listed.
  await ctx.c.deliveries.insertAbsent(deliveries, replayed);

  if (plan.withdraw) await withdraw(ctx, packet, plan.deliveries, log);

  const refs: DeliveryRef[] = plan.deliveries.map((d) => ({
    deliveryId: d.deliveryId,
    recipient: d.recipient,
    addressedTo: d.addressedTo,
  }));
  // Returns are added, never set: a plan replayed later keeps a peer hub's return (returns.ts),
  // and each entry is the one its receipt attests, so a replay adds nothing.
  const returned = await Promise.all(returns);
  await ctx.c.packets.updateById(packet._id, {
    $set: { routeState: "planned", plannedAt: plan.plannedAt },
    $addToSet: { deliveries: { $each: refs }, returned: { $each: returned } },
  });
  await ctx.c.pendingRoutes.deleteById(packet._id);
  log.info(
    {
      deliveries: plan.deliveries.length,
      returned: plan.returned.length,
      withdraw: plan.withdraw,
    },
    "routing plan stored",
  );
}

/**
 * A revoke: the original letter's deliveries to the revoke's addressees that were not fetched
 * yet become `withdrawn` (the recipient never sees it). Fetched ones stay; the recipient got
 * the revoke letter and answers it with 15/16.
 *
 * Federation: an original still waiting here for a peer hub's link never left this hub, so
 * the revoke's own delivery to that hub is withdrawn as well: the far hub never had the
 * letter, and would refuse the revoke (ORIGINAL_UNKNOWN) as a return to the sender.
 */
async function withdraw(
  ctx: Ctx,
  revoke: PacketDoc,
  deliveries: readonly PlannedDelivery[],
  log: Logger,
): Promise<void> {
  if (!revoke.refersTo) {
    log.warn("withdraw requested for a packet that refers to no known letter");
    return;
  }
  const addressed = new Map(deliveries.map((d) => [d.addressedTo, d]));
  const original = await ctx.c.packets.findOne({ _id: revoke.refersTo });
  const targets = (original?.deliveries ?? []).filter((d) => addressed.has(d.addressedTo));
  for (const { deliveryId, addressedTo } of targets) {
    const d = await withdrawOne(ctx, deliveryId, revoke, log);
    const own = addressed.get(addressedTo);
    if (d?.hub !== undefined && own?.hub === d.hub) {
      await withdrawOne(ctx, own.deliveryId, revoke, log);
    }
  }
}

/** Withdraws one available delivery (or, replayed, attests it again); the delivery if so. */
async function withdrawOne(
  ctx: Ctx,
  deliveryId: string,
  revoke: PacketDoc,
  log: Logger,
): Promise<DeliveryDoc | undefined> {
  let d = await ctx.c.deliveries.findOne({ _id: deliveryId });
  if (!d) return undefined;
  const replay = d.state === "withdrawn";
  if (decideDelivery(lifecycleOf(d), { type: "withdraw" }).action === "move") {
    // Conditional (deliveries.ts): a fetch on any instance that wins the race keeps it.
    d = await ctx.c.deliveries.move(d, {
      state: "withdrawn",
      withdrawnAt: nowIso(),
      withdrawnBy: revoke.hubDocumentId,
    });
  }
  if (d.state !== "withdrawn" || d.withdrawnBy !== revoke.hubDocumentId) {
    return undefined; // fetched before the revoke: the recipient answers the revoke letter instead
  }
  // A replay completes a settle a crash interrupted (the open row left withdrawn).
  if (replay) d = await ctx.c.deliveries.finishSettle(d);
  await ctx.ledger.append(receiptKeys.withdrawn(d._id), {
    type: "withdrawn",
    hubDocumentId: d.hubDocumentId,
    documentId: d.documentId,
    deliveryId: d._id,
    organId: asOrganId(d.recipient),
    at: d.withdrawnAt ?? nowIso(),
    data: { revokedBy: revoke.hubDocumentId },
  });
  log.info({ deliveryId: d._id, recipient: d.recipient, hub: d.hub }, "delivery withdrawn");
  return d;
}
