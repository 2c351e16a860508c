import type { Agency, Directory, OrganId } from "@edoc/directory";
import type { BusinessDocType, Letter } from "@edoc/edxml";
import { vietnamDay } from "@edoc/vntime";
import { type HubId, hubOf, type RouteOptions } from "./hubs.js";

export interface Delivery {
  /** the agency that receives the letter: the addressee, or its active successor */
  recipient: OrganId;
  /** the code as written in the letter's To */
  addressedTo: OrganId;
  /** successor codes followed from addressedTo to recipient; [] when addressed directly */
  via: OrganId[];
  /** the peer hub whose link takes it (federation); absent = this hub delivers it */
  hub?: HubId;
}

export type ReturnReason =
  | "RECIPIENT_UNKNOWN"
  | "RECIPIENT_INACTIVE"
  | "RECIPIENT_DUPLICATE"
  | "RECIPIENT_IS_SENDER"
  /** the recipient is served by the very hub the packet came from (liên thông: no loops) */
  | "HOP_LOOP";

/** An addressee the hub will not deliver to, with why (trả lại). */
export interface Returned {
  addressedTo: OrganId;
  reason: ReturnReason;
  message: string;
}

/** Where one letter goes: the deliveries and the addressees returned to the sender. */
export interface RecipientPlan {
  /** one per distinct final recipient, in To order */
  deliveries: Delivery[];
  returned: Returned[];
}

export interface RoutingPlan extends RecipientPlan {
  docType: BusinessDocType;
  /** revoke/update/replace: the document acted on (Bussiness/DocumentId), when given */
  refersTo?: string;
  /** update: the recipients whose reception changed (ReceiverList), passed on as written */
  changedReceivers?: { organId: OrganId; receiverType?: string }[];
  /** replace: the documents replaced, each for the listed agencies, passed on as written */
  replacements?: { documentId: string; organIds: OrganId[] }[];
}

function label(a: Agency): string {
  return `${a.id} (${a.name})`;
}

/**
 * Resolve a To list at `at` for sender `from`. Each addressee goes through the directory (a
 * merged agency through its successor codes, recorded in `via`). Unknown and closed
 * addressees are returned, as is one that is, or resolves to, the sender. Two addressees
 * reaching the same final recipient make one delivery; the later is RECIPIENT_DUPLICATE.
 *
 * Federation (`options`): an agency whose directory entry names a peer hub is delivered to
 * that hub; with an upstream, an unknown addressee goes upstream instead of being returned.
 * Neither may go back to the hub the packet came from (`fromHub`): HOP_LOOP.
 */
export function planRecipients(
  from: OrganId,
  to: readonly OrganId[],
  directory: Directory,
  at: Date,
  options: RouteOptions = { upstream: false },
): RecipientPlan {
  const senderIds = new Set<string>([from]);
  const sender = directory.resolve(from, at);
  if (sender.status === "active") senderIds.add(sender.agency.id);

  const deliveries: Delivery[] = [];
  const returned: Returned[] = [];
  /** final recipient -> the To index that claimed it */
  const claimed = new Map<string, number>();
  const on = vietnamDay(at);

  to.forEach((addressedTo, i) => {
    const where = `To[${i}] ${addressedTo}`;
    const ret = (reason: ReturnReason, message: string): void => {
      returned.push({ addressedTo, reason, message });
    };
    if (addressedTo === from) {
      ret("RECIPIENT_IS_SENDER", `${where} is the sender itself`);
      return;
    }
    const r = directory.resolve(addressedTo, at);
    const hub = hubOf(r, options);
    if (hub !== undefined && hub === options.fromHub) {
      ret("HOP_LOOP", `${where} is served by hub ${hub}, where this packet came from`);
      return;
    }
    if (r.status === "unknown") {
      if (hub === undefined) {
        ret("RECIPIENT_UNKNOWN", `${where} is not in the agency directory on ${on}`);
      } else if (claimed.has(addressedTo)) {
        ret(
          "RECIPIENT_DUPLICATE",
          `${where} is already a recipient by To[${claimed.get(addressedTo)}]`,
        );
      } else {
        claimed.set(addressedTo, i);
        deliveries.push({ recipient: addressedTo, addressedTo, via: [], hub });
      }
      return;
    }
    if (r.status === "inactive") {
      const closed = r.agency.validTo === undefined ? "" : ` on ${r.agency.validTo}`;
      ret(
        "RECIPIENT_INACTIVE",
        `${where} (${r.agency.name}) closed${closed} and has no active successor on ${on}`,
      );
      return;
    }
    const recipient = r.agency.id;
    if (senderIds.has(recipient)) {
      ret("RECIPIENT_IS_SENDER", `${where} resolves to the sender ${label(r.agency)}`);
      return;
    }
    const earlier = claimed.get(recipient);
    if (earlier !== undefined) {
      const as = r.via.length > 0 ? " as its successor" : "";
      ret(
        "RECIPIENT_DUPLICATE",
        `${where} reaches ${label(r.agency)}${as}, already a recipient by To[${earlier}]`,
      );
      return;
    }
    claimed.set(recipient, i);
    deliveries.push({ recipient, addressedTo, via: [...r.via], ...(hub ? { hub } : {}) });
  });
  return { deliveries, returned };
}

/**
 * Who gets the letter at `at`. Whatever the business type, the recipients are the To list
 * (planRecipients): a revoke, update or replace letter goes to the agencies it is addressed
 * to, and the ReceiverList / ReplacementInfoList only say what changed for whom (exposed
 * as written, for the recipients' systems to act on).
 */
export function planLetter(
  letter: Letter,
  directory: Directory,
  at: Date,
  options: RouteOptions = { upstream: false },
): RoutingPlan {
  const { header, business } = letter;
  const to = header.to.map((o) => o.organId);
  const { deliveries, returned } = planRecipients(header.from.organId, to, directory, at, options);
  const plan: RoutingPlan = { docType: business.docType, deliveries, returned };
  if (business.docType !== "new" && business.documentId !== undefined) {
    plan.refersTo = business.documentId;
  }
  if (business.docType === "update" && business.receivers !== undefined) {
    plan.changedReceivers = business.receivers.map((r) => ({ ...r }));
  }
  if (business.docType === "replace" && business.replacements !== undefined) {
    plan.replacements = business.replacements.map((r) => ({
      documentId: r.documentId,
      organIds: [...r.organIds],
    }));
  }
  return plan;
}

export type SenderCheck =
  | { ok: true; agency: Agency }
  | { ok: false; code: "SENDER_UNKNOWN" | "SENDER_INACTIVE"; message: string };

/**
 * May `from` send at `at`? Only an agency active under that very code. A closed code is
 * refused even when it has a successor: letters are signed and answered under the sender's
 * code, so the successor must send under its own (the message names it).
 */
export function checkSender(from: OrganId, directory: Directory, at: Date): SenderCheck {
  const r = directory.resolve(from, at);
  const on = vietnamDay(at);
  switch (r.status) {
    case "active": {
      if (r.via.length === 0) return { ok: true, agency: r.agency };
      const closed = directory.history(from).at(-1);
      const what = closed
        ? `${label(closed)} closed on ${closed.validTo ?? "?"}`
        : `${from} is closed`;
      return {
        ok: false,
        code: "SENDER_INACTIVE",
        message: `sender ${what}; its successor ${label(r.agency)} must send under its own code`,
      };
    }
    case "inactive":
      return {
        ok: false,
        code: "SENDER_INACTIVE",
        message: `sender ${label(r.agency)} closed${r.agency.validTo ? ` on ${r.agency.validTo}` : ""} and is not active on ${on}`,
      };
    case "unknown":
      return {
        ok: false,
        code: "SENDER_UNKNOWN",
        message: `sender ${from} is not in the agency directory on ${on}`,
      };
  }
}
