import { type InboundMessage, PermanentError } from "@edoc/bus";
import { RoutingPlanMessage } from "@edoc/messages";
import type { Logger } from "@edoc/runtime";
import type { DeliveryDoc, PacketDoc } from "./collections.js";
import { type Ctx, compact, nowIso } from "./context.js";
import { receiptKeys } from "./keys.js";
import { asOrganId } from "./ledger.js";

/**
 * Consumer of `archive.plans`: stores the router's plan for one packet. Every write is an
 * upsert or a keyed receipt, so a redelivered (or re-planned) message adds nothing.
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
  const packet = await ctx.c.packets.findOne({ hubDocumentId: plan.hubDocumentId });
  if (!packet?.receiptId) {
    throw new PermanentError(
      "PLAN_UNKNOWN_PACKET",
      `routing plan for ${plan.hubDocumentId}, which the archive did not accept`,
    );
  }

  for (const d of plan.deliveries) {
    const delivery: DeliveryDoc = compact({
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
      availableAt: nowIso(),
    });
    const { _id, ...fields } = delivery;
    await ctx.c.deliveries.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true });
    const base = {
      hubDocumentId: packet.hubDocumentId,
      documentId: packet.documentId,
      deliveryId: d.deliveryId,
      organId: asOrganId(d.recipient),
    };
    await ctx.ledger.append(receiptKeys.routed(d.deliveryId), {
      ...base,
      type: "routed",
      at: nowIso(),
      data: { addressedTo: d.addressedTo, via: d.via.join(" ") },
    });
    await ctx.ledger.append(receiptKeys.available(d.deliveryId), {
      ...base,
      type: "available",
      at: nowIso(),
    });
  }

  for (const r of plan.returned) {
    await ctx.ledger.append(receiptKeys.returned(packet.hubDocumentId, r.addressedTo), {
      type: "returned",
      hubDocumentId: packet.hubDocumentId,
      documentId: packet.documentId,
      organId: asOrganId(r.addressedTo),
      at: nowIso(),
      data: { addressedTo: r.addressedTo, reason: r.reason, message: r.message },
    });
  }

  if (plan.withdraw) await withdraw(ctx, packet, plan.deliveries, log);

  await ctx.c.packets.updateOne(
    { _id: packet._id },
    {
      $set: {
        routeState: "planned",
        plannedAt: plan.plannedAt,
        returned: plan.returned.map((r) => compact({ ...r })),
      },
    },
  );
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
 */
async function withdraw(
  ctx: Ctx,
  revoke: PacketDoc,
  deliveries: readonly { addressedTo: string }[],
  log: Logger,
): Promise<void> {
  if (!revoke.refersTo) {
    log.warn("withdraw requested for a packet that refers to no known letter");
    return;
  }
  const addressed = [...new Set(deliveries.map((d) => d.addressedTo))];
  const candidates = await ctx.c.deliveries
    .find({
      hubDocumentId: revoke.refersTo,
      addressedTo: { $in: addressed },
      $or: [{ state: "available" }, { state: "withdrawn", withdrawnBy: revoke.hubDocumentId }],
    })
    .toArray();
  for (const d of candidates) {
    const at = d.withdrawnAt ?? nowIso();
    if (d.state === "available") {
      const res = await ctx.c.deliveries.updateOne(
        { _id: d._id, state: "available" },
        { $set: { state: "withdrawn", withdrawnAt: at, withdrawnBy: revoke.hubDocumentId } },
      );
      if (res.modifiedCount === 0) continue; // fetched in the meantime
    }
    await ctx.ledger.append(receiptKeys.withdrawn(d._id), {
      type: "withdrawn",
      hubDocumentId: d.hubDocumentId,
      documentId: d.documentId,
      deliveryId: d._id,
      organId: asOrganId(d.recipient),
      at,
      data: { revokedBy: revoke.hubDocumentId },
    });
    log.info({ deliveryId: d._id, recipient: d.recipient }, "delivery withdrawn");
  }
}
