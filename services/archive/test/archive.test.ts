import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { RpcBytes } from "@edoc/bus";
import type { AcceptRequest, RoutingPlanMessage } from "@edoc/messages";
import { type Receipt, type SignedChainHead, verifyChain, verifyChainHead } from "@edoc/receipts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Blobs } from "../src/blobs.js";
import {
  type ChainHeadDoc,
  collections,
  type DeliveryDoc,
  type PacketDoc,
  type ReceiptDoc,
} from "../src/collections.js";
import { toReceipt } from "../src/ledger.js";
import {
  bytesOf,
  deliveryId,
  type Harness,
  letter,
  ORG,
  planFor,
  rpcError,
  sleep,
  startHarness,
  status,
  waitFor,
} from "./harness.js";

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const hubKeyPem = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const hubPublicPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ reconcileMs: 300, chainHeadMs: 200, hubKeyPem });
});
afterAll(async () => {
  await h?.close();
});

const packets = () => h.store.db.collection<PacketDoc>("packets");
const deliveries = () => h.store.db.collection<DeliveryDoc>("deliveries");
const receipts = () => h.store.db.collection<ReceiptDoc>("receipts");

async function accept(req: AcceptRequest) {
  return h.rpc("packets.accept", req);
}

/** Publishes a plan as the router would and waits until the archive stored it. */
async function route(plan: RoutingPlanMessage): Promise<void> {
  await h.peer.publishJson("archive.plans", plan, { messageId: `plan-${plan.hubDocumentId}` });
  await waitFor(async () => {
    const p = await packets().findOne({ hubDocumentId: plan.hubDocumentId });
    return p?.routeState === "planned" ? true : undefined;
  });
}

/** A letter accepted and routed to `recipients`. */
async function sent(recipients: string[], over: Partial<AcceptRequest> = {}) {
  const req = letter({ to: recipients, ...over });
  await accept(req);
  await route(planFor(req.hubDocumentId, recipients));
  return req;
}

async function receiptsOf(hubDocumentId: string): Promise<ReceiptDoc[]> {
  return receipts().find({ hubDocumentId }).sort({ seq: 1 }).toArray();
}

describe("packets.accept", () => {
  it("stores a letter once, answers a resubmission with the original receipt and refuses other bytes under the same DocumentId", async () => {
    const req = letter();
    const first = await accept(req);
    expect(first).toEqual({
      outcome: "accepted",
      hubDocumentId: req.hubDocumentId,
      receivedAt: req.receivedAt,
      receiptXml: req.receiptXml,
    });

    // The RouteRequest reaches the router, keyed by the hubDocumentId.
    const routed = await waitFor(() => h.routed.find((m) => m.messageId === req.hubDocumentId));
    expect(routed.body).toMatchObject({
      hubDocumentId: req.hubDocumentId,
      kind: "letter",
      docType: "new",
      from: req.from,
      documentId: req.documentId,
      to: req.to,
    });

    // The gateway resubmits the same bytes under a fresh hubDocumentId.
    const again = letter({ documentId: req.documentId, body: undefined });
    const retry = { ...again, edxml: req.edxml, digest: req.digest, size: req.size };
    await expect(accept(retry)).resolves.toEqual({
      outcome: "duplicate",
      hubDocumentId: req.hubDocumentId,
      receivedAt: req.receivedAt,
      receiptXml: req.receiptXml,
    });

    const conflict = await rpcError(accept(letter({ documentId: req.documentId })));
    expect(conflict).toMatchObject({ code: "DOCUMENT_CONFLICT", status: 409 });

    // One packet, one blob with the exact bytes, one accepted receipt.
    expect(await packets().countDocuments({ documentId: req.documentId })).toBe(1);
    const files = await h.store.db
      .collection("blobs")
      .find({ _id: req.hubDocumentId as never })
      .toArray();
    expect(files).toHaveLength(1);
    const stored = await new Blobs(collections(h.store.db)).get(req.hubDocumentId);
    expect(stored?.toString("base64")).toBe(req.edxml);
    const accepted = await receipts()
      .find({ _id: `accepted:${req.hubDocumentId}` })
      .toArray();
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ type: "accepted", organId: req.from, digest: req.digest });
  });

  it("refuses a hubDocumentId that names another packet, and keeps nothing of the refused one", async () => {
    const first = letter();
    await accept(first);
    const other = letter();
    const clash = await rpcError(accept({ ...other, hubDocumentId: first.hubDocumentId }));
    expect(clash).toMatchObject({ code: "HUB_DOCUMENT_ID_CONFLICT", status: 409 });
    // The refused packet's dedupe key was taken back: under its own id it is accepted.
    expect(await accept(other)).toMatchObject({
      outcome: "accepted",
      hubDocumentId: other.hubDocumentId,
    });
    // The first packet and its acceptance receipt are untouched.
    expect(await accept(first)).toEqual({
      outcome: "duplicate",
      hubDocumentId: first.hubDocumentId,
      receivedAt: first.receivedAt,
      receiptXml: first.receiptXml,
    });
  });

  it("accepts distinct updates of a document as distinct packets", async () => {
    const original = await sent([ORG.finance]);
    const u1 = letter({ docType: "update", relatedDocumentId: original.documentId });
    const u2 = letter({
      docType: "update",
      relatedDocumentId: original.documentId,
      documentId: u1.documentId,
    });
    expect((await accept(u1)).outcome).toBe("accepted");
    expect((await accept(u2)).outcome).toBe("accepted");
    const r = await waitFor(() => h.routed.find((m) => m.messageId === u2.hubDocumentId));
    expect(r.body.originalRecipients).toEqual([ORG.finance]);
  });

  it("refuses malformed params, inconsistent packets, wrong digests and unknown methods", async () => {
    const bad = await rpcError(h.rpc("packets.accept", { ...letter(), from: "28.22.H17" }));
    expect(bad).toMatchObject({ code: "RPC_BAD_REQUEST", status: 400 });
    expect(bad.message).toContain("from");

    const digest = await rpcError(accept({ ...letter(), digest: "0".repeat(64) }));
    expect(digest).toMatchObject({ code: "DIGEST_MISMATCH", status: 400 });

    const shape = await rpcError(accept({ ...letter(), docType: "status" }));
    expect(shape).toMatchObject({ code: "PACKET_INCONSISTENT", status: 400 });

    const long = await rpcError(accept(letter({ documentId: "x".repeat(2000) })));
    expect(long).toMatchObject({ code: "PACKET_UNRECORDABLE", status: 400 });
    expect(await packets().countDocuments({ documentId: "x".repeat(2000) })).toBe(0);

    await expect(h.rpc("nope" as "health", {})).rejects.toMatchObject({
      code: "RPC_UNKNOWN_METHOD",
      status: 404,
    });
  });
});

describe("routing plans", () => {
  it("creates deliveries and their receipts once, however often the plan arrives", async () => {
    const req = letter({ to: [ORG.finance, ORG.home, ORG.health] });
    await accept(req);
    const plan = planFor(req.hubDocumentId, [ORG.finance, ORG.home], {
      returned: [{ addressedTo: ORG.health, reason: "RECIPIENT_LOCKED", message: "locked" }],
    });
    await route(plan);

    const stored = await deliveries().find({ hubDocumentId: req.hubDocumentId }).toArray();
    expect(stored.map((d) => d.recipient).sort()).toEqual([ORG.finance, ORG.home]);
    expect(stored.every((d) => d.state === "available")).toBe(true);
    const before = await receiptsOf(req.hubDocumentId);
    expect(before.map((r) => r.type).sort()).toEqual(
      ["accepted", "available", "available", "returned", "routed", "routed"].sort(),
    );
    expect(before.find((r) => r.type === "returned")?.data).toMatchObject({
      addressedTo: ORG.health,
      reason: "RECIPIENT_LOCKED",
    });

    const total = await receipts().countDocuments();
    await h.peer.publishJson("archive.plans", plan, { messageId: "replay" });
    await h.peer.publishJson("archive.plans", plan, { messageId: "replay-2" });
    await h.settle();
    expect(await receiptsOf(req.hubDocumentId)).toEqual(before);
    expect(await deliveries().countDocuments({ hubDocumentId: req.hubDocumentId })).toBe(2);
    // Other tests may append meanwhile, but never for this packet.
    expect(await receipts().countDocuments()).toBeGreaterThanOrEqual(total);
  });

  it("a plan replayed after a delivery was acknowledged does not bring it back", async () => {
    const req = letter({ to: [ORG.finance] });
    await accept(req);
    const plan = planFor(req.hubDocumentId, [ORG.finance]);
    await route(plan);
    const id = deliveryId(req.hubDocumentId, ORG.finance);
    await h.rpc("inbox.fetch", { actingFor: [ORG.finance], deliveryId: id });
    await h.rpc("inbox.ack", { actingFor: [ORG.finance], deliveryId: id, result: "done" });

    await h.peer.publishJson("archive.plans", plan, { messageId: "replay-after-ack" });
    await h.settle();
    expect(await deliveries().findOne({ _id: id })).toBeNull();
    expect(await collections(h.store.db).deliveries.findOne({ _id: id })).toMatchObject({
      state: "acknowledged",
    });
    const pending = await h.rpc("inbox.list", { actingFor: [ORG.finance], state: "pending" });
    expect(pending.items.map((i) => i.deliveryId)).not.toContain(id);
  });

  it("dead-letters an invalid plan, and the dead queue becomes a deadLetters row and a receipt", async () => {
    await h.peer.publishJson(
      "archive.plans",
      { hubDocumentId: "x", deliveries: "nope" },
      {
        messageId: "bad-plan-1",
      },
    );
    const row = await waitFor(() =>
      h.store.db
        .collection("deadLetters")
        .findOne({ _id: "bad-plan-1" as never })
        .then((r) => r ?? undefined),
    );
    expect(row).toMatchObject({ originQueue: "archive.plans", reason: "PLAN_INVALID" });
    expect(Buffer.from(String(row.body), "base64").toString()).toContain('"deliveries":"nope"');
    const receipt = await waitFor(() =>
      receipts()
        .findOne({ _id: "dead-lettered:bad-plan-1" })
        .then((r) => r ?? undefined),
    );
    expect(receipt).toMatchObject({ type: "dead-lettered", hubDocumentId: "x" });
    expect(receipt.data).toMatchObject({ reason: "PLAN_INVALID", originQueue: "archive.plans" });

    // A message published straight to the dead queue (e.g. the broker's own dead-lettering).
    // A RouteRequest the router gave up on: recorded, and no longer re-published.
    const stuck = letter();
    await accept(stuck);
    const routeRequest = await waitFor(() =>
      h.routed.find((m) => m.messageId === stuck.hubDocumentId),
    );
    await h.peer.publish("dead", Buffer.from(JSON.stringify(routeRequest.body)), {
      messageId: stuck.hubDocumentId,
      headers: {
        "x-edoc-origin-queue": "router.inbound",
        "x-edoc-reason": "ROUTE_INVALID",
        "x-edoc-dead-at": new Date().toISOString(),
      },
    });
    await waitFor(async () => {
      const p = await packets().findOne({ hubDocumentId: stuck.hubDocumentId });
      return p?.routeState === "dead-lettered" ? true : undefined;
    });
    const deadReceipt = await receipts().findOne({ _id: `dead-lettered:${stuck.hubDocumentId}` });
    expect(deadReceipt).toMatchObject({
      hubDocumentId: stuck.hubDocumentId,
      type: "dead-lettered",
    });
    const published = h.routed.filter((m) => m.messageId === stuck.hubDocumentId).length;
    await sleep(1_000);
    expect(h.routed.filter((m) => m.messageId === stuck.hubDocumentId).length).toBe(published);

    await h.peer.publish("dead", Buffer.from("not json"), {
      messageId: "raw-dead",
      headers: {
        "x-first-death-queue": `${h.prefix}.router.inbound`,
        "x-first-death-reason": "delivery_limit",
      },
    });
    const raw = await waitFor(() =>
      h.store.db
        .collection("deadLetters")
        .findOne({ _id: "raw-dead" as never })
        .then((r) => r ?? undefined),
    );
    expect(raw).toMatchObject({
      reason: "delivery_limit",
      body: Buffer.from("not json").toString("base64"),
    });
    await waitFor(() =>
      receipts()
        .findOne({ _id: "dead-lettered:raw-dead" })
        .then((r) => r ?? undefined),
    );
  });
});

describe("inbox", () => {
  it("scopes every listing and fetch to the caller's organs", async () => {
    const req = await sent([ORG.finance]);
    const id = deliveryId(req.hubDocumentId, ORG.finance);

    const mine = await h.rpc("inbox.list", { actingFor: [ORG.finance], state: "pending" });
    expect(mine.items.map((i) => i.deliveryId)).toContain(id);
    const item = mine.items.find((i) => i.deliveryId === id);
    expect(item).toMatchObject({
      hubDocumentId: req.hubDocumentId,
      from: req.from,
      state: "available",
      subject: req.subject,
    });

    const theirs = await h.rpc("inbox.list", { actingFor: [ORG.district], state: "all" });
    expect(theirs.items.map((i) => i.deliveryId)).not.toContain(id);

    const foreign = await rpcError(
      h.rpc("inbox.fetch", { actingFor: [ORG.district], deliveryId: id }),
    );
    const unknown = await rpcError(
      h.rpc("inbox.fetch", { actingFor: [ORG.district], deliveryId: "dlv_nope" }),
    );
    expect(foreign).toMatchObject({ code: "DELIVERY_NOT_FOUND", status: 404 });
    expect(unknown).toMatchObject({ code: "DELIVERY_NOT_FOUND", status: 404 });
    expect(foreign.message.replace(id, "ID")).toBe(unknown.message.replace("dlv_nope", "ID"));
    const ack = await rpcError(
      h.rpc("inbox.ack", { actingFor: [ORG.district], deliveryId: id, result: "done" }),
    );
    expect(ack).toMatchObject({ code: "DELIVERY_NOT_FOUND", status: 404 });
  });

  it("fetch returns the exact bytes and records one fetched receipt; ack is idempotent and final", async () => {
    const body = `<?xml version="1.0"?><edXML>Công văn số 1 — ${Date.now()}</edXML>`;
    const req = await sent([ORG.home], { ...bytesOf(body) });
    const id = deliveryId(req.hubDocumentId, ORG.home);
    const me = { actingFor: [ORG.home, ORG.health], deliveryId: id };

    const early = await rpcError(h.rpc("inbox.ack", { ...me, result: "done" }));
    expect(early).toMatchObject({ code: "DELIVERY_NOT_FETCHED", status: 409 });

    const one = await h.rpc("inbox.fetch", me);
    expect(Buffer.from(one.edxml ?? "", "base64").toString("utf8")).toBe(body);
    expect(one.item.state).toBe("fetched");
    const two = await h.rpc("inbox.fetch", me);
    expect(two.edxml).toBe(one.edxml);
    expect(two.item.fetchedAt).toBe(one.item.fetchedAt);
    expect(await receipts().countDocuments({ deliveryId: id, type: "fetched" })).toBe(1);

    const pending = await h.rpc("inbox.list", { actingFor: [ORG.home], state: "pending" });
    expect(pending.items.map((i) => i.deliveryId)).not.toContain(id);
    const fetched = await h.rpc("inbox.list", { actingFor: [ORG.home], state: "fetched" });
    expect(fetched.items.map((i) => i.deliveryId)).toContain(id);

    const done = await h.rpc("inbox.ack", { ...me, result: "done", reason: "đã nhận" });
    expect(done.item).toMatchObject({ state: "acknowledged", ackResult: "done" });
    const again = await h.rpc("inbox.ack", { ...me, result: "done" });
    expect(again.item.acknowledgedAt).toBe(done.item.acknowledgedAt);
    const conflict = await rpcError(h.rpc("inbox.ack", { ...me, result: "fail" }));
    expect(conflict).toMatchObject({ code: "ACK_CONFLICT", status: 409 });
    const acks = await receipts().find({ deliveryId: id, type: "acknowledged" }).toArray();
    expect(acks).toHaveLength(1);
    expect(acks[0]?.data).toEqual({ result: "done", reason: "đã nhận" });
  });
});

describe("documents", () => {
  it("traces every step of a letter with receipt ids, for its sender only", async () => {
    const req = letter({ to: [ORG.finance, ORG.home, ORG.health] });
    await accept(req);
    await route(
      planFor(req.hubDocumentId, [ORG.finance, ORG.home], {
        returned: [
          { addressedTo: ORG.health, reason: "UNKNOWN_RECIPIENT", message: "not in directory" },
        ],
      }),
    );
    const fin = deliveryId(req.hubDocumentId, ORG.finance);
    await h.rpc("inbox.fetch", { actingFor: [ORG.finance], deliveryId: fin });
    await h.rpc("inbox.ack", { actingFor: [ORG.finance], deliveryId: fin, result: "done" });
    await accept(status(ORG.finance, req, "03"));

    const trace = await h.rpc("documents.trace", { actingFor: [req.from], id: req.hubDocumentId });
    expect(trace).toMatchObject({
      hubDocumentId: req.hubDocumentId,
      documentId: req.documentId,
      from: req.from,
    });
    const stored = await receiptsOf(req.hubDocumentId);
    expect(trace.events.map((e) => e.receiptId)).toEqual(stored.map((r) => r.id));
    expect(trace.events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        "accepted",
        "routed",
        "available",
        "returned",
        "fetched",
        "acknowledged",
        "status",
      ]),
    );
    for (const e of trace.events) expect(e.receiptId).toMatch(/^rcp_\d+_[0-9a-f]{12}$/);

    const finance = trace.recipients.find((r) => r.recipient === ORG.finance);
    expect(finance).toMatchObject({
      deliveryId: fin,
      state: "acknowledged",
      addressedTo: ORG.finance,
    });
    expect(finance?.events.map((e) => e.type)).toEqual([
      "routed",
      "available",
      "fetched",
      "acknowledged",
      "status",
    ]);
    expect(finance?.statuses.map((s) => s.code)).toEqual(["03"]);
    expect(trace.recipients.find((r) => r.recipient === ORG.home)).toMatchObject({
      state: "available",
      statuses: [],
    });
    const health = trace.recipients.find((r) => r.recipient === ORG.health);
    expect(health).toMatchObject({ state: "returned" });
    expect(health?.events.map((e) => e.type)).toEqual(["returned"]);

    // By DocumentId too; never for anyone else.
    const byDocId = await h.rpc("documents.trace", { actingFor: [req.from], id: req.documentId });
    expect(byDocId.hubDocumentId).toBe(req.hubDocumentId);
    const other = await rpcError(
      h.rpc("documents.trace", { actingFor: [ORG.finance], id: req.hubDocumentId }),
    );
    expect(other).toMatchObject({ code: "DOCUMENT_NOT_FOUND", status: 404 });

    const list = await h.rpc("documents.list", { actingFor: [req.from], limit: 500 });
    const mine = list.documents.find((d) => d.hubDocumentId === req.hubDocumentId);
    expect(mine?.recipients).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          recipient: ORG.finance,
          state: "acknowledged",
          lastStatus: "03",
          deliveryId: finance?.deliveryId,
          fetchedAt: expect.any(String),
        }),
        expect.objectContaining({ recipient: ORG.home, state: "available" }),
        { recipient: ORG.health, state: "returned" },
      ]),
    );
    expect(mine).toMatchObject({ from: req.from });
    const notMine = await h.rpc("documents.list", { actingFor: [ORG.district], limit: 10 });
    expect(notMine.documents).toEqual([]);
  });
});

describe("business statuses", () => {
  it("accepts statuses from recipients and 13 from the sender, and refuses the rest", async () => {
    const req = await sent([ORG.finance, ORG.home]);

    const s03 = status(ORG.finance, req, "03");
    expect((await accept(s03)).outcome).toBe("accepted");
    const r03 = await waitFor(() => h.routed.find((m) => m.messageId === s03.hubDocumentId));
    expect(r03.body).toMatchObject({
      kind: "status",
      originalSender: req.from,
      status: { code: "03", responseForDocumentId: req.documentId },
    });
    expect(r03.body.originalRecipients?.sort()).toEqual([ORG.finance, ORG.home].sort());

    // The same status again (other bytes): ignored, answered with the first one.
    const dup = await accept(status(ORG.finance, req, "03"));
    expect(dup).toMatchObject({ outcome: "duplicate", hubDocumentId: s03.hubDocumentId });

    // Going backwards is refused by the status machine.
    const back = await rpcError(accept(status(ORG.finance, req, "01")));
    expect(back).toMatchObject({ code: "STATUS_OUT_OF_ORDER", status: 409 });

    // 05 may repeat.
    expect((await accept(status(ORG.finance, req, "05"))).outcome).toBe("accepted");
    expect((await accept(status(ORG.finance, req, "05"))).outcome).toBe("accepted");

    // Never received it.
    const stranger = await rpcError(accept(status(ORG.district, req, "03")));
    expect(stranger).toMatchObject({ code: "STATUS_NOT_RECEIVED", status: 403 });

    // 13 (take back) from the sender; from a recipient it is refused.
    expect((await accept(status(req.from, req, "13"))).outcome).toBe("accepted");
    const wrongRole = await rpcError(accept(status(ORG.home, req, "13")));
    expect(wrongRole).toMatchObject({ code: "STATUS_NOT_ALLOWED_FOR_ROLE", status: 409 });
    expect((await accept(status(ORG.home, req, "15"))).outcome).toBe("accepted");
    // While a recipient has not answered, asking again is a duplicate; after its refusal it is new.
    const ask = await accept(status(req.from, req, "13"));
    expect(ask.outcome).toBe("duplicate");
    expect((await accept(status(ORG.finance, req, "16"))).outcome).toBe("accepted");
    const reask = status(req.from, req, "13", "<again/>");
    expect((await accept(reask)).outcome).toBe("accepted");
    // …and goes only to the recipient that refused, not to the one that already agreed.
    const reaskRoute = await waitFor(() =>
      h.routed.find((m) => m.messageId === reask.hubDocumentId),
    );
    expect(reaskRoute.body.originalRecipients).toEqual([ORG.finance]);
    // Taken back by home (15): no processing status may follow there.
    const after = await rpcError(accept(status(ORG.home, req, "04")));
    expect(after).toMatchObject({ code: "STATUS_OUT_OF_ORDER", status: 409 });

    // About a letter that never passed through the hub.
    const unknown = await rpcError(
      accept(status(ORG.finance, { from: req.from, documentId: "no-such-document" }, "01")),
    );
    expect(unknown).toMatchObject({ code: "STATUS_UNKNOWN_DOCUMENT", status: 404 });

    const trace = await h.rpc("documents.trace", { actingFor: [req.from], id: req.hubDocumentId });
    expect(
      trace.recipients.find((r) => r.recipient === ORG.finance)?.statuses.map((s) => s.code),
    ).toEqual(["03", "05", "05", "16"]);
    expect(
      trace.recipients.find((r) => r.recipient === ORG.home)?.statuses.map((s) => s.code),
    ).toEqual(["15"]);
  });
});

describe("revoke", () => {
  it("withdraws unfetched deliveries of the original, not fetched ones", async () => {
    const req = await sent([ORG.finance, ORG.home]);
    const fin = deliveryId(req.hubDocumentId, ORG.finance);
    const home = deliveryId(req.hubDocumentId, ORG.home);
    await h.rpc("inbox.fetch", { actingFor: [ORG.finance], deliveryId: fin });

    const unknown = await rpcError(accept(letter({ docType: "revoke", documentId: "never-sent" })));
    expect(unknown).toMatchObject({ code: "ORIGINAL_UNKNOWN", status: 404 });

    const revoke = letter({ docType: "revoke", documentId: req.documentId, to: req.to });
    expect((await accept(revoke)).outcome).toBe("accepted");
    const routed = await waitFor(() => h.routed.find((m) => m.messageId === revoke.hubDocumentId));
    expect(routed.body.originalRecipients?.sort()).toEqual([ORG.finance, ORG.home].sort());

    await route(planFor(revoke.hubDocumentId, [ORG.finance, ORG.home], { withdraw: true }));
    // A withdrawn delivery is settled: it moved out of the open ones.
    const both = collections(h.store.db).deliveries;
    expect(await deliveries().findOne({ _id: home })).toBeNull();
    expect(await both.findOne({ _id: home })).toMatchObject({ state: "withdrawn" });
    expect(await deliveries().findOne({ _id: fin })).toMatchObject({ state: "fetched" });
    expect(await receipts().countDocuments({ type: "withdrawn", deliveryId: home })).toBe(1);
    expect(await receipts().countDocuments({ type: "withdrawn", deliveryId: fin })).toBe(0);

    const gone = await rpcError(h.rpc("inbox.fetch", { actingFor: [ORG.home], deliveryId: home }));
    expect(gone).toMatchObject({ code: "DELIVERY_WITHDRAWN", status: 410 });
    // The revoke letter itself is in both inboxes.
    const inbox = await h.rpc("inbox.list", { actingFor: [ORG.home], state: "pending" });
    expect(inbox.items.find((i) => i.hubDocumentId === revoke.hubDocumentId)?.docType).toBe(
      "revoke",
    );

    // Replaying the revoke's plan withdraws nothing twice.
    await h.peer.publishJson(
      "archive.plans",
      planFor(revoke.hubDocumentId, [ORG.finance, ORG.home], { withdraw: true }),
      {
        messageId: "revoke-replay",
      },
    );
    await h.settle();
    expect(await receipts().countDocuments({ type: "withdrawn", deliveryId: home })).toBe(1);
  });
});

describe("crash safety", () => {
  it("re-publishes a packet the router has not planned yet", async () => {
    const req = letter();
    await accept(req);
    await waitFor(() =>
      h.routed.filter((m) => m.messageId === req.hubDocumentId).length >= 2 ? true : undefined,
    );
    await route(planFor(req.hubDocumentId, [ORG.finance]));
    await sleep(300);
    const count = h.routed.filter((m) => m.messageId === req.hubDocumentId).length;
    await sleep(1_000);
    expect(h.routed.filter((m) => m.messageId === req.hubDocumentId).length).toBe(count);
  });

  it("finishes or discards packet rows an interrupted accept left behind", async () => {
    const c = collections(h.store.db);
    const blobs = new Blobs(c);
    /**
     * What an accept leaves when it stops after writing its work-list entry, which carries the
     * packet row (or, with `row` false, after only its dedupe key and an entry without a row).
     */
    const interrupted = async (req: AcceptRequest, due: number, row = true) => {
      const { edxml: _bytes, receiptXml, ...rest } = req;
      const key = `${req.from}|new|${req.documentId}`;
      const createdAt = new Date(Date.now() - 60_000);
      await c.packetKeys.insertOne({ _id: key, hubDocumentId: req.hubDocumentId });
      if (row) {
        await c.acceptanceReceipts.insertOne({ _id: req.hubDocumentId, key, xml: receiptXml });
      }
      await c.pendingRoutes.insertOne({
        _id: req.hubDocumentId,
        key,
        nextPublishAt: new Date(Date.now() + due),
        publishCount: 0,
        ...(row
          ? {
              row: {
                ...rest,
                _id: req.hubDocumentId,
                key,
                routeState: "pending",
                createdAt,
              } as PacketDoc,
            }
          : {}),
      });
    };

    // Crashed after the bytes: the reconciler completes and routes it.
    // (The bytes go first: a due entry without them could be discarded before they land.)
    const withBytes = letter();
    await blobs.put(
      withBytes.hubDocumentId,
      Buffer.from(withBytes.edxml ?? "", "base64"),
      withBytes.digest,
    );
    await interrupted(withBytes, -1_000);
    await waitFor(() => h.routed.find((m) => m.messageId === withBytes.hubDocumentId));
    expect(await packets().findOne({ hubDocumentId: withBytes.hubDocumentId })).toHaveProperty(
      "receiptId",
    );

    // Crashed before the bytes (a partial upload left chunks): discarded, never acknowledged.
    const noBytes = letter();
    const parts = [0, 1].map((i) => `${noBytes.hubDocumentId}:${i}`);
    for (const _id of parts) await c.blobChunks.insertOne({ _id, data: Buffer.from("part") });
    await interrupted(noBytes, -1_000);
    await waitFor(async () =>
      (await c.packetKeys.findOne({ _id: `${noBytes.from}|new|${noBytes.documentId}` })) === null &&
      (await c.pendingRoutes.findOne({ _id: noBytes.hubDocumentId })) === null
        ? true
        : undefined,
    );
    expect(await packets().countDocuments({ hubDocumentId: noBytes.hubDocumentId })).toBe(0);
    expect(await c.blobChunks.countDocuments({ _id: { $in: parts } })).toBe(0);
    expect(await receipts().countDocuments({ hubDocumentId: noBytes.hubDocumentId })).toBe(0);

    // Crashed before the work-list entry had its row: the reconciler drops what is left.
    const keyOnly = letter();
    // (forgetPacket deletes the entry, then the key: wait for both.)
    await interrupted(keyOnly, -1_000, false);
    await waitFor(async () =>
      (await c.pendingRoutes.findOne({ _id: keyOnly.hubDocumentId })) === null &&
      (await c.packetKeys.findOne({ _id: `${keyOnly.from}|new|${keyOnly.documentId}` })) === null
        ? true
        : undefined,
    );
    expect(await packets().countDocuments({ hubDocumentId: keyOnly.hubDocumentId })).toBe(0);

    // A retry of an interrupted accept is finished with the retry's bytes (before the reconciler).
    const retried = letter();
    await interrupted(retried, 60_000);
    const again = {
      ...letter({ documentId: retried.documentId }),
      edxml: retried.edxml,
      digest: retried.digest,
      size: retried.size,
    };
    expect(await accept(again)).toMatchObject({
      outcome: "duplicate",
      hubDocumentId: retried.hubDocumentId,
    });
    expect((await blobs.get(retried.hubDocumentId))?.toString("base64")).toBe(retried.edxml);
    await waitFor(() => h.routed.find((m) => m.messageId === retried.hubDocumentId));

    // An interrupted accept of other bytes gives way to the new submission.
    const stale = letter();
    await interrupted(stale, 60_000);
    const fresh = letter({ documentId: stale.documentId });
    expect(await accept(fresh)).toMatchObject({
      outcome: "accepted",
      hubDocumentId: fresh.hubDocumentId,
    });
    expect(await packets().countDocuments({ hubDocumentId: stale.hubDocumentId })).toBe(0);
    expect(await c.pendingRoutes.findOne({ _id: stale.hubDocumentId })).toBeNull();

    // A retry after a crash before the work-list entry had its row is accepted anew.
    const lost = letter();
    await interrupted(lost, 60_000, false);
    const anew = { ...letter({ documentId: lost.documentId }), ...bytesOf("<anew/>") };
    expect(await accept(anew)).toMatchObject({
      outcome: "accepted",
      hubDocumentId: anew.hubDocumentId,
    });
  });
});

describe("receipt chain", () => {
  it("reads back from MongoDB as an intact chain whose signed head verifies", async () => {
    await sent([ORG.finance]);
    const health = await h.rpc("health", {});
    expect(health.database).toBe(true);
    const head = health.chainHead;
    expect(head?.seq).toBeGreaterThan(0);

    const docs = await receipts().find({}).sort({ seq: 1 }).toArray();
    const chain: Receipt[] = docs.map(toReceipt);
    const verdict = verifyChain(chain);
    expect(verdict).toMatchObject({ ok: true });
    expect(chain.map((r) => r.seq)).toEqual(chain.map((_, i) => i + 1));

    const signed = await waitFor(() =>
      h.store.db
        .collection<ChainHeadDoc>("chainHeads")
        .find({})
        .sort({ _id: -1 })
        .limit(1)
        .next()
        .then((d) => (d && d.seq >= (head?.seq ?? 0) ? d : undefined)),
    );
    const { _id, ...rest } = signed;
    const signedHead = rest as SignedChainHead;
    expect(verifyChainHead(signedHead, hubPublicPem)).toBe(true);
    expect(verifyChainHead({ ...signedHead, seq: signedHead.seq + 1 }, hubPublicPem)).toBe(false);
    const at = chain.find((r) => r.seq === signedHead.seq);
    expect(at?.hash).toBe(signedHead.hash);

    // Tampering with a stored receipt shows.
    const tampered = chain.map((r) => (r.seq === 1 ? { ...r, organId: r.organId } : r));
    const first = tampered[0];
    if (first) first.at = "2020-01-01T00:00:00.000Z";
    expect(verifyChain(tampered).ok).toBe(false);
  });
});

describe("large packets in chunks", () => {
  /** A letter whose bytes are uploaded with `blobs.putChunk` (as the gateway does). */
  async function uploaded(bytes: Buffer, over: Partial<AcceptRequest> = {}) {
    const req = letter(over);
    const { edxml: _inline, ...rest } = req;
    const chunk = 1024 * 1024;
    let chunks = 0;
    for (let i = 0; i < bytes.length; i += chunk) {
      const data = bytes.subarray(i, i + chunk);
      expect(
        await h.rpc("blobs.putChunk", { hubDocumentId: req.hubDocumentId, index: chunks }, data),
      ).toEqual({ stored: true });
      chunks++;
    }
    return {
      ...rest,
      chunks,
      digest: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
    };
  }

  it("accepts uploaded chunks, serves them one by one and answers others as unknown", async () => {
    const bytes = randomBytes(2_500_000);
    const req = await uploaded(bytes);
    expect(req.chunks).toBe(3);
    expect(await accept(req)).toMatchObject({ outcome: "accepted" });
    expect(await new Blobs(collections(h.store.db)).row(req.hubDocumentId)).toMatchObject({
      chunks: 3,
      size: bytes.length,
      chunkBytes: 1024 * 1024,
    });
    // A resend: nothing is uploaded again, the accept is a duplicate.
    expect(
      await h.rpc(
        "blobs.putChunk",
        { hubDocumentId: req.hubDocumentId, index: 0 },
        Buffer.from([0]),
      ),
    ).toEqual({ stored: false });
    expect(await accept(req)).toMatchObject({ outcome: "duplicate" });

    await route(planFor(req.hubDocumentId, [ORG.home]));
    const id = deliveryId(req.hubDocumentId, ORG.home);
    const me = { actingFor: [ORG.home], deliveryId: id };
    const early = await rpcError(h.rpc("inbox.fetchChunk", { ...me, index: 0 }));
    expect(early).toMatchObject({ code: "DELIVERY_NOT_FETCHED", status: 409 });
    const out = await h.rpc("inbox.fetch", me);
    expect(out).toMatchObject({ chunks: 3, size: bytes.length });
    expect(out.edxml).toBeUndefined();
    expect(out.item.state).toBe("fetched");
    const parts: Buffer[] = [];
    for (let index = 0; index < 3; index++) {
      const c: unknown = await h.rpc("inbox.fetchChunk", { ...me, index });
      expect(c).toBeInstanceOf(RpcBytes);
      parts.push((c as RpcBytes).bytes);
    }
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    const fetched = (await receiptsOf(req.hubDocumentId)).filter((r) => r.type === "fetched");
    expect(fetched).toHaveLength(1);

    const foreign = await rpcError(
      h.rpc("inbox.fetchChunk", { actingFor: [ORG.district], deliveryId: id, index: 0 }),
    );
    const unknown = await rpcError(
      h.rpc("inbox.fetchChunk", { actingFor: [ORG.district], deliveryId: "dlv_nope", index: 0 }),
    );
    expect(foreign).toMatchObject({ code: "DELIVERY_NOT_FOUND", status: 404 });
    expect(foreign.message.replace(id, "ID")).toBe(unknown.message.replace("dlv_nope", "ID"));
  });

  it("the reconciler removes an upload no accept claimed", async () => {
    const c = collections(h.store.db);
    const req = await uploaded(randomBytes(1_100_000));
    expect(await c.blobUploads.findOne({ _id: req.hubDocumentId })).not.toBeNull();
    // As if the gateway had died an hour ago, after the upload and before its accept.
    await c.blobUploads.updateOne(
      { _id: req.hubDocumentId },
      { $set: { startedAt: new Date(Date.now() - 3_600_000) } },
    );
    await waitFor(async () =>
      (await c.blobUploads.findOne({ _id: req.hubDocumentId })) === null ? true : undefined,
    );
    expect(await c.blobChunks.findOne({ _id: `${req.hubDocumentId}:0` })).toBeNull();
    expect(await c.blobChunks.findOne({ _id: `${req.hubDocumentId}:1` })).toBeNull();

    // An accepted upload is no longer one: its marker goes with the blobs row.
    const done = await uploaded(randomBytes(1_100_000));
    expect(await accept(done)).toMatchObject({ outcome: "accepted" });
    expect(await c.blobUploads.findOne({ _id: done.hubDocumentId })).toBeNull();
  });

  it("refuses a chunk without bytes or larger than a chunk", async () => {
    const params = { hubDocumentId: "hub-empty", index: 0 };
    expect(await rpcError(h.rpc("blobs.putChunk", params))).toMatchObject({
      code: "RPC_BAD_REQUEST",
    });
    expect(
      await rpcError(h.rpc("blobs.putChunk", params, Buffer.alloc(1024 * 1024 + 1))),
    ).toMatchObject({ code: "RPC_BAD_REQUEST" });
  });

  it("refuses chunks that do not match the digest and removes them", async () => {
    const bytes = randomBytes(1_500_000);
    const req = await uploaded(bytes);
    const wrong = { ...req, digest: createHash("sha256").update("other").digest("hex") };
    expect(await rpcError(accept(wrong))).toMatchObject({ code: "DIGEST_MISMATCH", status: 400 });
    const c = collections(h.store.db);
    expect(await c.blobChunks.findOne({ _id: `${req.hubDocumentId}:0` })).toBeNull();
    expect(await c.blobs.findOne({ _id: req.hubDocumentId })).toBeNull();
    expect(await packets().findOne({ _id: req.hubDocumentId })).toBeNull();
  });

  it("removes the upload of a letter refused after its bytes were checked", async () => {
    const first = await sent([ORG.home]);
    const other = await uploaded(randomBytes(1_200_000), {
      documentId: first.documentId,
    });
    expect(await rpcError(accept(other))).toMatchObject({ code: "DOCUMENT_CONFLICT" });
    const c = collections(h.store.db);
    expect(await c.blobChunks.findOne({ _id: `${other.hubDocumentId}:0` })).toBeNull();
  });
});
