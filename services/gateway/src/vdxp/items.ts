import { type Agency, type Directory, level1Of, type OrganId, organIdLevel } from "@edoc/directory";
import type { InboxItem, SentDocument, Trace } from "@edoc/messages";
import {
  type AgencyItem,
  type AgencyQd20Item,
  type ReceivedItem,
  type SentItem,
  type UnitItem,
  vietnamIso,
} from "@edoc/vdxp";
import { vietnamDay } from "@edoc/vntime";

// How the hub's own records read on the VDXP door. A received item's `docId` is its delivery
// id (what updateStatus acknowledges); a sent item's `senderDocId` is the hub document id
// sendEdoc answered.

/** Transport states of a delivery, as the protocol's `status` / `status_desc`. */
const DELIVERY_STATUS: Record<InboxItem["state"], [string, string]> = {
  available: ["initial", "chờ nhận (not fetched yet)"],
  fetched: ["processing", "đã tải, chưa xác nhận (fetched, not acknowledged)"],
  acknowledged: ["done", "đã nhận (acknowledged)"],
  failed: ["fail", "nhận lỗi (acknowledged as failed)"],
  withdrawn: ["withdrawn", "đã thu hồi (withdrawn by its sender)"],
};

export function receivedItem(i: InboxItem): ReceivedItem {
  const [status, desc] = DELIVERY_STATUS[i.state];
  const updated = i.acknowledgedAt ?? i.fetchedAt ?? i.availableAt;
  return {
    docId: i.deliveryId,
    serviceType: "eDoc",
    messageType: i.kind === "status" ? "status" : "edoc",
    created_time: vietnamIso(i.availableAt),
    updated_time: vietnamIso(updated),
    from: i.from,
    to: i.recipient,
    status,
    status_desc: desc,
    documentId: i.documentId,
    docType: i.docType,
    ...(i.subject !== undefined ? { subject: i.subject } : {}),
    ...(i.statusCode !== undefined ? { statusCode: i.statusCode } : {}),
  };
}

/** Not yet acknowledged: what an agency system still has to take (and count). */
export function isOpen(i: InboxItem): boolean {
  return i.state === "available" || i.state === "fetched";
}

const RECIPIENT_STATUS: Record<string, string> = {
  available: "chờ nhận (waiting to be fetched)",
  fetched: "đã tải (fetched)",
  acknowledged: "đã nhận (acknowledged)",
  failed: "nhận lỗi (failed)",
  withdrawn: "đã thu hồi (withdrawn)",
  returned: "trả lại (returned: not deliverable)",
};

/** One row per recipient of a packet the caller's agencies sent. */
export function sentItems(d: SentDocument): SentItem[] {
  return d.recipients.map((r) => ({
    senderDocId: d.hubDocumentId,
    receiverDocId: r.deliveryId ?? "",
    fromCode: d.from ?? "",
    toCode: r.recipient,
    title: d.subject ?? "",
    notation: d.code ?? "",
    sentTime: vietnamIso(d.receivedAt),
    receivedTime: r.fetchedAt ? vietnamIso(r.fetchedAt) : "",
    sendStatus: "done",
    sendStatusDesc: "đã tiếp nhận (accepted by the hub)",
    receiveStatus: r.lastStatus ?? r.state,
    receiveStatusDesc: r.lastStatus
      ? `trạng thái ${r.lastStatus} (QCVN 102:2016); ${RECIPIENT_STATUS[r.state] ?? r.state}`
      : (RECIPIENT_STATUS[r.state] ?? r.state),
    messageType: d.kind === "status" ? "status" : "edoc",
    serviceType: "eDoc",
  }));
}

/**
 * The same rows from a packet's trace (a docId older than the recent list): no subject or
 * code there, the rest is.
 */
export function sentItemsOfTrace(t: Trace, sentAt: string): SentItem[] {
  return sentItems({
    hubDocumentId: t.hubDocumentId,
    documentId: t.documentId,
    docType: t.docType,
    kind: t.kind,
    from: t.from,
    receivedAt: sentAt,
    recipients: t.recipients.map((r) => {
      const fetched = r.events.find((e) => e.type === "fetched");
      const last = r.statuses.at(-1)?.code;
      return {
        recipient: r.recipient,
        state: r.state,
        ...(last ? { lastStatus: last } : {}),
        ...(r.deliveryId ? { deliveryId: r.deliveryId } : {}),
        ...(fetched ? { fetchedAt: fetched.at } : {}),
      };
    }),
  });
}

export function agencyItem(a: Agency): AgencyItem {
  return {
    id: a.id,
    code: a.id,
    name: a.name,
    pid: a.parent ?? "",
    mail: a.email ?? "",
    mobile: "",
    fax: "",
  };
}

/**
 * QĐ 20/2020's list: every code the directory ever had, its latest period; closed ones are
 * `status` 0 and `deleted`, and a successor lists the codes it took over as `oldCode`.
 */
export function qd20Items(directory: Directory, at: Date, level?: number): AgencyQd20Item[] {
  const today = vietnamDay(at);
  const latest = new Map<string, Agency>();
  const periods = new Map<string, number>();
  const oldCodes = new Map<string, string[]>();
  for (const a of directory.all()) {
    latest.set(a.id, a); // all() is ordered by validFrom within an id
    periods.set(a.id, (periods.get(a.id) ?? 0) + 1);
    if (a.successor) oldCodes.set(a.successor, [...(oldCodes.get(a.successor) ?? []), a.id]);
  }
  const out: AgencyQd20Item[] = [];
  for (const a of latest.values()) {
    if (level !== undefined && organIdLevel(a.id) !== level) continue;
    if (a.validFrom > today) continue;
    const closed = a.validTo !== undefined && a.validTo <= today;
    out.push({
      ...agencyItem(a),
      code102: a.id,
      centerCode: level1Of(a.id as OrganId),
      isAgency: true,
      oldCode: [...new Set(oldCodes.get(a.id) ?? [])].join(","),
      status: closed ? 0 : 1,
      deleted: closed,
      modifyDate: closed ? (a.validTo ?? a.validFrom) : a.validFrom,
      version: periods.get(a.id) ?? 1,
    });
  }
  return out;
}

export function unitItems(directory: Directory, at: Date, level?: number): UnitItem[] {
  return directory
    .list(at)
    .filter((a) => level === undefined || organIdLevel(a.id) === level)
    .map((a) => ({
      id: a.id,
      code: a.id,
      name: a.name,
      pid: a.parent ?? "",
      centerCode: level1Of(a.id),
    }));
}
