import { deliveryIdFor } from "@edoc/routing";
import type { AnswerRef, DeliveryRef, PacketDoc } from "./collections.js";
import type { Ctx } from "./context.js";
import { changeKey, newLetterKey } from "./keys.js";

/**
 * Lookups of the letter a packet refers to, all by `_id`: a `new` letter through its dedupe
 * key, change letters (revoke/update/replace) through `changes`, deliveries and statuses
 * through the lists on the letter's own row (while its plan is being stored, a reporter's
 * delivery by its deterministic id). Only complete packets count: an accept still in
 * progress (or crashed) is not a letter yet.
 */

/** The packet with this hubDocumentId, if it is complete. */
async function completePacket(ctx: Ctx, hubDocumentId: string): Promise<PacketDoc | undefined> {
  const doc = await ctx.c.packets.findOne({ _id: hubDocumentId });
  return doc?.receiptId !== undefined ? doc : undefined;
}

/** The sender's complete `new` letter with this DocumentId. */
export async function findNewLetter(
  ctx: Ctx,
  from: string,
  documentId: string,
): Promise<PacketDoc | undefined> {
  const key = await ctx.c.packetKeys.findOne({ _id: newLetterKey(from, documentId) });
  return key ? completePacket(ctx, key.hubDocumentId) : undefined;
}

/** The sender's complete change letters of these types with this DocumentId, latest first. */
async function findChanges(
  ctx: Ctx,
  from: string,
  documentId: string,
  docTypes: PacketDoc["docType"][],
  limit = 20,
): Promise<PacketDoc[]> {
  const doc = await ctx.c.changes.findOne({ _id: changeKey(from, documentId) });
  const refs = (doc?.letters ?? [])
    .filter((l) => docTypes.includes(l.docType))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, limit);
  const letters = await Promise.all(refs.map((l) => completePacket(ctx, l.hubDocumentId)));
  return letters.filter((l) => l !== undefined);
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
    const changes = await findChanges(ctx, responseForOrganId, responseForDocumentId, [
      "revoke",
      "update",
    ]);
    for (const letter of changes) {
      if (await reporterDelivery(ctx, letter, reporter)) return letter;
    }
  }
  return (
    (await findNewLetter(ctx, responseForOrganId, responseForDocumentId)) ??
    (await findChanges(ctx, responseForOrganId, responseForDocumentId, ["replace", "update"]))[0]
  );
}

/**
 * The reporter's delivery of a letter: addressed to it, or delivered to it directly (a hub
 * forwarding to the national axis reports for the organs behind it only as themselves).
 */
export async function reporterDelivery(
  ctx: Ctx,
  letter: PacketDoc,
  reporter: string,
): Promise<DeliveryRef | undefined> {
  const all = (letter.deliveries ?? []).filter(
    (d) => d.addressedTo === reporter || d.recipient === reporter,
  );
  const listed = all.find((d) => d.addressedTo === reporter) ?? all[0];
  if (listed || letter.routeState !== "pending") return listed;
  // The plan is being stored: its deliveries become visible just before the letter lists them.
  const id = deliveryIdFor(letter.hubDocumentId, reporter as Parameters<typeof deliveryIdFor>[1]);
  const d = await ctx.c.deliveries.findOne({ _id: id });
  return d ? { deliveryId: d._id, recipient: d.recipient, addressedTo: d.addressedTo } : undefined;
}

/** Organs a letter was addressed to, for RouteRequest.originalRecipients. */
export function originalRecipients(letter: PacketDoc): string[] {
  const deliveries = letter.deliveries ?? [];
  // Not routed yet (plan still pending): the addressees as the sender wrote them.
  if (deliveries.length === 0 && letter.routeState === "pending") return [...new Set(letter.to)];
  return [...new Set(deliveries.map((d) => d.addressedTo))];
}

/** Every status accepted about one letter, oldest first. */
export function statusesOf(letter: PacketDoc): AnswerRef[] {
  const seen = new Set<string>();
  return (letter.answers ?? [])
    .filter((a) => !seen.has(a.hubDocumentId) && seen.add(a.hubDocumentId))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}
