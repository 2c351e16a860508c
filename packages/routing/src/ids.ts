import { createHash } from "node:crypto";
import { isOrganId, type OrganId } from "@edoc/directory";
import { quote, RoutingError } from "./errors.js";

// The hub's ids (one home for them): deterministic, so a retried submission or a redelivered
// message gets the same id and a unique key turns the replay into a no-op.

/** What makes a packet the same packet: its sender, its type, its DocumentId and its bytes. */
export interface PacketIdentity {
  from: string;
  docType: string;
  documentId: string;
  /** SHA-256 of the packet's bytes, hex */
  digest: string;
}

/**
 * A packet's hub document id: `doc_` and the first 128 bits of SHA-256 over its identity, in
 * hex. The same bytes sent again by the same sender get the same id (the gateway answers the
 * earlier receipt).
 */
export function hubDocumentIdFor(p: PacketIdentity): string {
  const digest = createHash("sha256")
    .update(`${p.from}\n${p.docType}\n${p.documentId}\n${p.digest}`)
    .digest("hex");
  return `doc_${digest.slice(0, 32)}`;
}

const HUB_DOCUMENT_ID = /^doc_[0-9a-f]{32}$/;

/** Whether `s` has the form of a hub document id (and not of a sender's DocumentId). */
export function isHubDocumentId(s: string): boolean {
  return HUB_DOCUMENT_ID.test(s);
}

/**
 * The id of the delivery of one letter to one recipient: `dlv_` and the first 128 bits of
 * SHA-256 over both, in hex. Deterministic, so a routing message redelivered by the bus
 * produces the same ids and the store's unique index turns the replay into a no-op.
 */
export function deliveryIdFor(hubDocumentId: string, recipient: OrganId): string {
  if (typeof hubDocumentId !== "string" || hubDocumentId === "") {
    throw new RoutingError(
      "DELIVERY_ID_INVALID",
      "deliveryIdFor: hubDocumentId must be a non-empty string",
    );
  }
  if (!isOrganId(recipient)) {
    throw new RoutingError(
      "DELIVERY_ID_INVALID",
      `deliveryIdFor: recipient ${quote(recipient)} is not an organ id`,
    );
  }
  // A JSON array keeps the two parts apart whatever characters the hub id contains.
  const digest = createHash("sha256")
    .update(JSON.stringify([hubDocumentId, recipient]))
    .digest("hex");
  return `dlv_${digest.slice(0, 32)}`;
}
