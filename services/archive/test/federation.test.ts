import { randomBytes } from "node:crypto";
import type { AcceptRequest, RoutingPlanMessage } from "@edoc/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PacketDoc, ReceiptDoc } from "../src/collections.js";
import {
  deliveryId,
  type Harness,
  letter,
  ORG,
  planFor,
  rpcError,
  startHarness,
  waitFor,
} from "./harness.js";

// Federation in the archive (liên thông giữa các trục): deliveries a peer hub's link takes
// (`hub`), selected by `hubs` on the inbox RPCs only, settled as `forwarded` or `returned`.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ reconcileMs: 300, chainHeadMs: 200 });
});
afterAll(async () => {
  await h?.close();
});

const packets = () => h.store.db.collection<PacketDoc>("packets");
const receipts = () => h.store.db.collection<ReceiptDoc>("receipts");
const UP = { actingFor: [], hubs: ["upstream"] };
const TRACE = [{ hub: "hub-b", at: "2026-12-05T01:00:00.000Z" }];
/** This Vietnam month (UTC+7), as `reports.monthly` names it. */
const vietnamMonth = () => new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7);

/** Accepted, and routed with `recipients` going to the upstream and `local` staying here. */
async function sent(
  remote: string[],
  local: string[] = [],
  over: Partial<AcceptRequest> = {},
  extra: Partial<RoutingPlanMessage> = {},
) {
  const req = letter({ to: [...remote, ...local], ...over });
  await h.rpc("packets.accept", req);
  const plan: RoutingPlanMessage = planFor(req.hubDocumentId, [...remote, ...local], extra);
  for (const d of plan.deliveries) if (remote.includes(d.recipient)) d.hub = "upstream";
  await h.peer.publishJson("archive.plans", plan, { messageId: `plan-${req.hubDocumentId}` });
  await waitFor(async () =>
    (await packets().findOne({ _id: req.hubDocumentId }))?.routeState === "planned"
      ? true
      : undefined,
  );
  return req;
}

describe("hub deliveries", () => {
  it("only the peer hub's link sees them, oldest first, and the fetch carries the hop trace", async () => {
    const first = await sent([ORG.ministry], [ORG.finance], { fromHub: "hub-b", trace: TRACE });
    const second = await sent([ORG.ministry]);
    const one = deliveryId(first.hubDocumentId, ORG.ministry);
    const two = deliveryId(second.hubDocumentId, ORG.ministry);
    const local = deliveryId(first.hubDocumentId, ORG.finance);

    const link = await h.rpc("inbox.list", { ...UP, state: "pending", oldestFirst: true });
    const ids = link.items.map((i) => i.deliveryId);
    expect(ids.indexOf(one)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(one)).toBeLessThan(ids.indexOf(two));
    expect(ids).not.toContain(local);
    expect(link.items.find((i) => i.deliveryId === one)).toMatchObject({ hub: "upstream" });
    const newest = await h.rpc("inbox.list", { ...UP, state: "pending" });
    const n = newest.items.map((i) => i.deliveryId);
    expect(n.indexOf(two)).toBeLessThan(n.indexOf(one));

    // The recipient's code is not enough: an agency system never takes a peer hub's delivery.
    const agency = await h.rpc("inbox.list", { actingFor: [ORG.ministry], state: "all" });
    expect(agency.items.map((i) => i.deliveryId)).not.toContain(one);
    const refused = await rpcError(
      h.rpc("inbox.fetch", { actingFor: [ORG.ministry], deliveryId: one }),
    );
    expect(refused).toMatchObject({ code: "DELIVERY_NOT_FOUND" });
    const otherHub = await rpcError(
      h.rpc("inbox.fetch", { actingFor: [], hubs: ["hub-c"], deliveryId: one }),
    );
    expect(otherHub).toMatchObject({ code: "DELIVERY_NOT_FOUND" });

    const fetched = await h.rpc("inbox.fetch", { ...UP, deliveryId: one });
    expect(fetched.trace).toEqual(TRACE);
    expect((await h.rpc("inbox.fetch", { ...UP, deliveryId: two })).trace).toEqual([]);
    const open = await h.rpc("inbox.list", { ...UP, state: "open", oldestFirst: true });
    expect(open.items.filter((i) => i.state === "fetched").map((i) => i.deliveryId)).toEqual(
      expect.arrayContaining([one, two]),
    );
    // The accepted receipt names where the packet came from.
    const accepted = await receipts().findOne({ _id: `accepted:${first.hubDocumentId}` });
    expect(accepted?.data).toMatchObject({ fromHub: "hub-b", hops: "hub-b" });
  });

  it("an ack done is a signed `forwarded` receipt naming the peer hub; the sender sees the hub", async () => {
    const req = await sent([ORG.ministry]);
    const id = deliveryId(req.hubDocumentId, ORG.ministry);
    await h.rpc("inbox.fetch", { ...UP, deliveryId: id });
    const ack = await h.rpc("inbox.ack", {
      ...UP,
      deliveryId: id,
      result: "done",
      forward: { hub: "upstream", remoteReceipt: "doc_far" },
    });
    expect(ack.item).toMatchObject({ state: "acknowledged", hub: "upstream" });
    // Repeated (a link that crashed before it saw the answer): the same, once.
    await h.rpc("inbox.ack", {
      ...UP,
      deliveryId: id,
      result: "done",
      forward: { hub: "upstream" },
    });
    const wrongHub = await rpcError(
      h.rpc("inbox.ack", { ...UP, deliveryId: id, result: "done", forward: { hub: "hub-c" } }),
    );
    expect(wrongHub).toMatchObject({ code: "FORWARD_HUB_MISMATCH", status: 409 });
    const mine = await receipts().find({ deliveryId: id }).sort({ seq: 1 }).toArray();
    expect(mine.map((r) => r.type)).toEqual(["routed", "available", "fetched", "forwarded"]);
    expect(mine[0]?.data).toMatchObject({ hub: "upstream" });
    expect(mine[3]?.data).toEqual({ hub: "upstream", remoteReceipt: "doc_far" });

    const list = await h.rpc("documents.list", { actingFor: [req.from], limit: 50 });
    const doc = list.documents.find((d) => d.hubDocumentId === req.hubDocumentId);
    expect(doc?.recipients).toEqual([
      expect.objectContaining({ recipient: ORG.ministry, state: "acknowledged", hub: "upstream" }),
    ]);
  });

  it("an ack fail is the sender's return: a `returned` receipt with the far side's code", async () => {
    const req = await sent([ORG.ministry]);
    const id = deliveryId(req.hubDocumentId, ORG.ministry);
    await h.rpc("inbox.fetch", { ...UP, deliveryId: id });
    await h.rpc("inbox.ack", {
      ...UP,
      deliveryId: id,
      result: "fail",
      reason: "RECIPIENT_UNKNOWN: To[0] 000.00.00.G22 is not in the agency directory",
      forward: { hub: "upstream" },
    });
    const returned = await receipts().findOne({
      _id: `returned:${req.hubDocumentId}:${ORG.ministry}`,
    });
    expect(returned).toMatchObject({ type: "returned", deliveryId: id, organId: ORG.ministry });
    expect(returned?.data).toMatchObject({
      addressedTo: ORG.ministry,
      reason: "RECIPIENT_UNKNOWN",
      message: "To[0] 000.00.00.G22 is not in the agency directory",
      hub: "upstream",
    });
    expect(await receipts().countDocuments({ deliveryId: id, type: "acknowledged" })).toBe(0);

    const trace = await h.rpc("documents.trace", { actingFor: [req.from], id: req.hubDocumentId });
    expect(trace.recipients).toEqual([
      expect.objectContaining({ recipient: ORG.ministry, state: "returned", hub: "upstream" }),
    ]);
    expect(trace.recipients[0]?.events.map((e) => e.type)).toContain("returned");
  });

  it("a peer hub's return is listed on the packet, once: sender's list, console, report", async () => {
    const month = await h.rpc("reports.monthly", { month: vietnamMonth() });
    const counts = (r: typeof month, organId: string) =>
      r.agencies.find((a) => a.organId === organId);
    const routerReturn = {
      addressedTo: ORG.health,
      reason: "RECIPIENT_UNKNOWN",
      message: "not in the directory",
    };
    // Its own sender, so the report's sender figures are this letter's alone.
    const req = await sent(
      [ORG.ministry],
      [ORG.finance],
      { from: ORG.district, to: [ORG.ministry, ORG.finance, ORG.health] },
      { returned: [routerReturn] },
    );
    const id = deliveryId(req.hubDocumentId, ORG.ministry);
    const before = await h.rpc("reports.monthly", { month: vietnamMonth() });
    await h.rpc("inbox.fetch", { ...UP, deliveryId: id });
    const fail = {
      ...UP,
      deliveryId: id,
      result: "fail",
      reason: "RECIPIENT_UNKNOWN: To[0] 000.00.00.G22 is not in the agency directory",
      forward: { hub: "upstream" },
    };
    await h.rpc("inbox.ack", fail);
    const peerReturn = {
      addressedTo: ORG.ministry,
      reason: "RECIPIENT_UNKNOWN",
      message: "To[0] 000.00.00.G22 is not in the agency directory",
      hub: "upstream",
    };
    const returned = async () => (await packets().findOne({ _id: req.hubDocumentId }))?.returned;
    expect(await returned()).toEqual([routerReturn, peerReturn]);

    // Replayed: the ack (a link that crashed before it saw the answer), the plan (redelivered,
    // re-published by the reconciler), and both at once: the returns stay, each once.
    await h.rpc("inbox.ack", fail);
    const replan = () =>
      h.peer.publishJson(
        "archive.plans",
        planFor(req.hubDocumentId, [ORG.ministry, ORG.finance], {
          returned: [{ ...routerReturn, message: "a replan words it differently" }],
        }),
        { messageId: `replan-${randomBytes(4).toString("hex")}` },
      );
    await replan();
    await h.settle();
    await Promise.all([replan(), h.rpc("inbox.ack", fail), replan(), h.rpc("inbox.ack", fail)]);
    await h.settle();
    expect(await returned()).toEqual([routerReturn, peerReturn]);

    // The sender sees the recipient once: returned, by the peer hub.
    const list = await h.rpc("documents.list", { actingFor: [ORG.district], limit: 50 });
    const doc = list.documents.find((d) => d.hubDocumentId === req.hubDocumentId);
    expect(doc?.recipients.filter((r) => r.recipient === ORG.ministry)).toEqual([
      expect.objectContaining({ state: "returned", hub: "upstream", deliveryId: id }),
    ]);
    expect(doc?.recipients.map((r) => r.recipient).sort()).toEqual(
      [ORG.ministry, ORG.finance, ORG.health].sort(),
    );
    const trace = await h.rpc("documents.trace", {
      actingFor: [ORG.district],
      id: req.hubDocumentId,
    });
    const traced = trace.recipients.filter((r) => r.recipient === ORG.ministry);
    expect(traced).toHaveLength(1);
    expect(traced[0]?.events.find((e) => e.type === "returned")?.data).toMatchObject({
      reason: "RECIPIENT_UNKNOWN",
    });

    // The console's filter finds it; its list shows the hub beside the recipient.
    const found = await h.rpc("console.search", { from: [ORG.district], state: "returned" });
    const letter = found.letters.find((l) => l.hubDocumentId === req.hubDocumentId);
    expect(letter?.recipients.filter((r) => r.recipient === ORG.ministry)).toEqual([
      expect.objectContaining({ state: "returned", hub: "upstream" }),
    ]);

    // The report: the sender's two returns; the far recipient did not receive it here.
    const after = await h.rpc("reports.monthly", { month: vietnamMonth() });
    expect(counts(after, ORG.district)).toMatchObject({ sent: 1, returned: 2 });
    expect(counts(before, ORG.district)).toMatchObject({ sent: 1, returned: 1 });
    expect(counts(after, ORG.ministry)?.received).toBe(
      (counts(before, ORG.ministry)?.received ?? 0) - 1,
    );
    expect(counts(month, ORG.district)).toBeUndefined();
  });

  it("a revoke of a letter that never left: both withdrawn here, nothing goes to the peer hub", async () => {
    const original = await sent([ORG.ministry]);
    const revoke = await sent(
      [ORG.ministry],
      [],
      { docType: "revoke", documentId: original.documentId, from: original.from },
      { withdraw: true },
    );
    const ids = [
      deliveryId(original.hubDocumentId, ORG.ministry),
      deliveryId(revoke.hubDocumentId, ORG.ministry),
    ];
    const link = await h.rpc("inbox.list", { ...UP, state: "pending", limit: 1000 });
    const listed = link.items.map((i) => i.deliveryId);
    for (const id of ids) expect(listed).not.toContain(id);
    for (const id of ids) {
      const gone = await rpcError(h.rpc("inbox.fetch", { ...UP, deliveryId: id }));
      expect(gone).toMatchObject({ code: "DELIVERY_WITHDRAWN" });
      expect(await receipts().countDocuments({ deliveryId: id, type: "withdrawn" })).toBe(1);
    }
  });
});
