import type { BusinessDocType, StatusCode } from "@edoc/edxml";
import { decideStatus, normalizeStatusCode, type StatusDecision } from "./status.js";

/** A status the answered letter already lists, as linking reads it. */
export interface LinkedStatus {
  /** the reporting agency */
  from: string;
  /** two digits */
  code: string;
  /** when the hub accepted it, ISO-8601 */
  receivedAt: string;
  /** the reporter's delivery of the letter (a recipient's status) */
  reporterDeliveryId?: string;
  /** a sender's 13: the deliveries it was new for (absent: all of them) */
  appliesTo?: readonly string[];
}

/** The letter a status answers: its sender, its kind, its deliveries and the statuses so far. */
export interface AnsweredLetter<D extends { deliveryId: string; addressedTo: string }> {
  from: string;
  docType: BusinessDocType | "status";
  deliveries: readonly D[];
  statuses: readonly LinkedStatus[];
}

export interface IncomingStatus {
  from: string;
  code: StatusCode;
  /** the reporter's delivery of the letter; absent when the letter's sender reports (13) */
  reporterDeliveryId?: string;
}

export interface StatusLink<D> {
  decision: StatusDecision;
  /** a sender's 13: the deliveries it is new for, the only ones it goes to and counts for */
  appliesTo?: D[];
}

/**
 * Links a status to the letter it answers (liên kết trạng thái): the status machine
 * (`decideStatus`) judges one delivery at a time, over the sender's take-back requests (13)
 * that concern it and that recipient's own statuses. A recipient's status is judged on its
 * delivery. A sender's 13 concerns every delivery of the letter: it is new when it is new for
 * at least one of them (not yet asked, or one that refused the last request), and it applies
 * to those only.
 */
export function linkStatus<D extends { deliveryId: string; addressedTo: string }>(
  letter: AnsweredLetter<D>,
  status: IncomingStatus,
): StatusLink<D> {
  const reporterRole = status.reporterDeliveryId !== undefined ? "recipient" : "sender";
  const context = letter.docType === "status" ? {} : { docType: letter.docType };
  const isAsk = (p: LinkedStatus) => p.from === letter.from && p.code === "13";
  /** A sender's 13 counts for delivery `id` unless it was a duplicate there. */
  const askedOf = (p: LinkedStatus, id: string | undefined) =>
    isAsk(p) && (p.appliesTo === undefined || (id !== undefined && p.appliesTo.includes(id)));
  const decide = (history: LinkedStatus[]) =>
    decideStatus(
      history.map((p) => ({ code: normalizeStatusCode(p.code), at: p.receivedAt })),
      { code: status.code, reporterRole },
      context,
    );

  if (status.reporterDeliveryId !== undefined) {
    const id = status.reporterDeliveryId;
    return {
      decision: decide(
        letter.statuses.filter((p) => askedOf(p, id) || (p.from === status.from && !isAsk(p))),
      ),
    };
  }
  const judged = letter.deliveries.map((d) => ({
    d,
    decision: decide(
      letter.statuses.filter(
        (p) =>
          askedOf(p, d.deliveryId) ||
          (!isAsk(p) &&
            (p.reporterDeliveryId === d.deliveryId ||
              (p.reporterDeliveryId === undefined && p.from === d.addressedTo))),
      ),
    ),
  }));
  if (judged.length === 0) {
    return { decision: decide(letter.statuses.filter((p) => askedOf(p, undefined))) };
  }
  const accepted = judged.filter((j) => j.decision.action === "accept");
  return {
    decision: accepted[0]?.decision ??
      judged.find((j) => j.decision.action === "refuse")?.decision ?? {
        action: "ignore-duplicate",
      },
    appliesTo: accepted.map((j) => j.d),
  };
}
