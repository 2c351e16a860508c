/**
 * The lifecycle of one delivery (one letter to one recipient) beside the status machine
 * (status.ts): what each event does in each state. Pure; the archive stores the moves as
 * conditional writes and asks again with the state that won a race.
 *
 *   available ──fetch──▶ fetched ──ack done──▶ acknowledged
 *       │                   └─────ack fail──▶ failed
 *       └──withdraw (a revoke before the fetch)──▶ withdrawn
 */
export type DeliveryState = "available" | "fetched" | "acknowledged" | "failed" | "withdrawn";

export type DeliveryEvent =
  /** the recipient downloads the packet (again: the same bytes, nothing changes) */
  | { type: "fetch" }
  /** a chunk of a large packet, after its fetch */
  | { type: "fetchChunk" }
  /** the recipient's system says it took (`done`) or refused for good (`fail`) the packet */
  | { type: "ack"; result: "done" | "fail" }
  /** the sender's revoke reaches a delivery not fetched yet (thu hồi) */
  | { type: "withdraw" };

export type DeliveryRefusalCode = "DELIVERY_WITHDRAWN" | "DELIVERY_NOT_FETCHED" | "ACK_CONFLICT";

export type DeliveryDecision =
  | { action: "move"; to: DeliveryState }
  /** nothing to write: a repeat, or (withdraw) too late: the recipient has it already */
  | { action: "stay" }
  | { action: "refuse"; code: DeliveryRefusalCode; message: string };

export interface DeliveryNow {
  id: string;
  state: DeliveryState;
  /** set once acknowledged or failed */
  ackResult?: "done" | "fail";
}

const STAY: DeliveryDecision = { action: "stay" };

export function decideDelivery(d: DeliveryNow, event: DeliveryEvent): DeliveryDecision {
  if (event.type === "withdraw") {
    return d.state === "available" ? { action: "move", to: "withdrawn" } : STAY;
  }
  if (d.state === "withdrawn") {
    return refuse(
      "DELIVERY_WITHDRAWN",
      `delivery ${d.id} was withdrawn by its sender (revoked before you fetched it)`,
    );
  }
  switch (event.type) {
    case "fetch":
      return d.state === "available" ? { action: "move", to: "fetched" } : STAY;
    case "fetchChunk":
      return d.state === "available" ? notFetched(d, "fetch it first") : STAY;
    case "ack":
      if (d.state === "available") return notFetched(d, "fetch it before acknowledging");
      if (d.state === "fetched") {
        return { action: "move", to: event.result === "done" ? "acknowledged" : "failed" };
      }
      // The first result stored stands: the same again is a repeat, another one a conflict.
      return d.ackResult === event.result
        ? STAY
        : refuse(
            "ACK_CONFLICT",
            `delivery ${d.id} was already acknowledged with ${d.ackResult ?? "nothing"}`,
          );
  }
}

function notFetched(d: DeliveryNow, hint: string): DeliveryDecision {
  return refuse("DELIVERY_NOT_FETCHED", `delivery ${d.id} was not fetched yet; ${hint}`);
}

function refuse(code: DeliveryRefusalCode, message: string): DeliveryDecision {
  return { action: "refuse", code, message };
}
