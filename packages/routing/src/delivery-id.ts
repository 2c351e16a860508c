import { createHash } from "node:crypto";
import { isOrganId, type OrganId } from "@edoc/directory";
import { quote, RoutingError } from "./errors.js";

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
