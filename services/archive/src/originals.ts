import type { Filter } from "mongodb";
import type { DeliveryDoc, PacketDoc } from "./collections.js";
import type { Ctx } from "./context.js";

/** Only complete packets count: an accept still in progress (or crashed) is not a letter yet. */
const COMPLETE = { receiptId: { $exists: true } } as const;

/** The sender's latest complete letter with this DocumentId and business type. */
export async function findLetter(
  ctx: Ctx,
  from: string,
  documentId: string,
  docTypes: PacketDoc["docType"][],
): Promise<PacketDoc | undefined> {
  const filter: Filter<PacketDoc> = {
    kind: "letter",
    from,
    documentId,
    docType: { $in: docTypes },
    ...COMPLETE,
  };
  const doc = await ctx.c.packets.find(filter).sort({ createdAt: -1 }).limit(1).next();
  return doc ?? undefined;
}

/**
 * The letter a status answers (ResponseFor: OrganId + DocumentId). Normally the latest `new`
 * letter; a 15/16 may answer the revoke or update letter itself, when the reporter received
 * one with that DocumentId. Falls back to a replace letter (a document in its own right).
 */
export async function findAnsweredLetter(
  ctx: Ctx,
  responseForOrganId: string,
  responseForDocumentId: string,
  code: string,
  reporter: string,
): Promise<PacketDoc | undefined> {
  if (code === "15" || code === "16") {
    const changes = await ctx.c.packets
      .find({
        kind: "letter",
        from: responseForOrganId,
        documentId: responseForDocumentId,
        docType: { $in: ["revoke", "update"] },
        ...COMPLETE,
      })
      .sort({ createdAt: -1 })
      .limit(20)
      .toArray();
    for (const letter of changes) {
      if (await reporterDelivery(ctx, letter.hubDocumentId, reporter)) return letter;
    }
  }
  return (
    (await findLetter(ctx, responseForOrganId, responseForDocumentId, ["new"])) ??
    (await findLetter(ctx, responseForOrganId, responseForDocumentId, ["replace", "update"]))
  );
}

/**
 * The reporter's delivery of a letter: addressed to it, or delivered to it directly (a hub
 * forwarding to the national axis reports for the organs behind it only as themselves).
 */
export async function reporterDelivery(
  ctx: Ctx,
  hubDocumentId: string,
  reporter: string,
): Promise<DeliveryDoc | undefined> {
  const all = await ctx.c.deliveries
    .find({ hubDocumentId, $or: [{ addressedTo: reporter }, { recipient: reporter }] })
    .toArray();
  return all.find((d) => d.addressedTo === reporter) ?? all[0];
}

/** Organs a letter was addressed to, for RouteRequest.originalRecipients. */
export async function originalRecipients(ctx: Ctx, letter: PacketDoc): Promise<string[]> {
  const deliveries = await ctx.c.deliveries.find({ hubDocumentId: letter.hubDocumentId }).toArray();
  // Not routed yet (plan still pending): the addressees as the sender wrote them.
  if (deliveries.length === 0 && letter.routeState === "pending") return [...new Set(letter.to)];
  return [...new Set(deliveries.map((d) => d.addressedTo))];
}

/** Every status accepted about one letter, oldest first (complete packets only). */
export async function statusesOf(ctx: Ctx, letterHubDocumentId: string): Promise<PacketDoc[]> {
  return ctx.c.packets
    .find({ kind: "status", refersTo: letterHubDocumentId, ...COMPLETE })
    .sort({ createdAt: 1 })
    .toArray();
}
