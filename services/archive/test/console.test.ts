import { randomBytes } from "node:crypto";
import type { RoutingPlanMessage } from "@edoc/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceiptDoc } from "../src/collections.js";
import {
  deliveryId,
  type Harness,
  letter,
  ORG,
  planFor,
  rpcError,
  startHarness,
  status,
  waitFor,
} from "./harness.js";

// The console's archive RPCs (src/console.ts) on the real archive, RabbitMQ and FerretDB.
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ reconcileMs: 60_000 });
});
afterAll(async () => {
  await h?.close();
});

async function route(plan: RoutingPlanMessage): Promise<void> {
  await h.peer.publishJson("archive.plans", plan, { messageId: `plan-${plan.hubDocumentId}` });
  await h.settle();
}

const soon = () => new Date(Date.now() + 1_000).toISOString();
const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();

const A = letter({ code: "7816/VPCP-TTĐT", subject: "Về việc tổng kết liên thông" });
const B = letter({ from: ORG.finance, to: [ORG.province], priority: 0 });
const C = letter({ to: [ORG.home], priority: 2, subject: "Hỏa tốc: lịch họp" });

describe("console.search and console.trace", () => {
  it("finds letters by DocumentId, hub id, code, parties, state, status and time", async () => {
    for (const x of [A, B, C]) expect((await h.rpc("packets.accept", x)).outcome).toBe("accepted");
    await route(planFor(A.hubDocumentId, [ORG.finance, ORG.home]));
    await route(planFor(C.hubDocumentId, [ORG.home]));
    expect((await h.rpc("packets.accept", status(ORG.finance, A, "03"))).outcome).toBe("accepted");
    const ids = async (params: object) =>
      (await h.rpc("console.search", params)).letters.map((l) => l.hubDocumentId);

    expect(await ids({ documentId: A.documentId.slice(5, 30).toUpperCase() })).toEqual([
      A.hubDocumentId,
    ]);
    expect(await ids({ documentId: A.hubDocumentId })).toEqual([A.hubDocumentId]);
    expect(await ids({ code: "vpcp-ttđt" })).toEqual([A.hubDocumentId]);
    expect(await ids({ code: "(.*)" })).toEqual([]); // regex characters are plain text
    expect(await ids({ from: [ORG.finance] })).toEqual([B.hubDocumentId]);
    expect((await ids({ to: [ORG.home] })).sort()).toEqual(
      [A.hubDocumentId, C.hubDocumentId].sort(),
    );
    expect(await ids({ state: "pending" })).toEqual([B.hubDocumentId]);
    expect((await ids({ state: "available" })).sort()).toEqual(
      [A.hubDocumentId, C.hubDocumentId].sort(),
    );
    expect(await ids({ status: "03" })).toEqual([A.hubDocumentId]);
    expect(await ids({ since: soon() })).toEqual([]);
    expect((await ids({ since: hourAgo(), until: soon() })).length).toBe(3);
    // Newest first, with a truncation flag.
    const two = await h.rpc("console.search", { limit: 2 });
    expect(two.letters.map((l) => l.hubDocumentId)).toEqual([C.hubDocumentId, B.hubDocumentId]);
    expect(two.truncated).toBe(true);

    const [a] = (await h.rpc("console.search", { documentId: A.hubDocumentId })).letters;
    expect(a).toMatchObject({ code: A.code, subject: A.subject, routeState: "planned" });
    expect(a?.recipients).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ recipient: ORG.finance, state: "available", lastStatus: "03" }),
        expect.objectContaining({ recipient: ORG.home, state: "available" }),
      ]),
    );
  });

  it("traces any sender's letter by DocumentId or hub id, without actingFor", async () => {
    const t = await h.rpc("console.trace", { id: A.documentId });
    expect(t.letter.hubDocumentId).toBe(A.hubDocumentId);
    expect(t.trace.events.map((e) => e.type)).toContain("accepted");
    const finance = t.trace.recipients.find((r) => r.recipient === ORG.finance);
    expect(finance?.statuses.map((s) => s.code)).toEqual(["03"]);
    expect(finance?.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(["routed", "available", "status"]),
    );
    expect((await h.rpc("console.trace", { id: B.hubDocumentId })).trace.recipients).toEqual([]);
    const err = await rpcError(h.rpc("console.trace", { id: "no such document" }));
    expect(err.code).toBe("DOCUMENT_NOT_FOUND");
    expect(err.status).toBe(404);
  });
});

describe("console.stuck", () => {
  const params = (over: object = {}) => ({
    since: hourAgo(),
    notFetchedBefore: hourAgo(),
    notAcknowledgedBefore: hourAgo(),
    urgent: [],
    receptionDueBefore: hourAgo(),
    ...over,
  });
  const reasons = async (over: object) => {
    const out = await h.rpc("console.stuck", params(over));
    return new Map(out.items.map((i) => [i.deliveryId, i.reasons]));
  };

  it("names every reason a delivery is stuck, by the thresholds given", async () => {
    const aFinance = deliveryId(A.hubDocumentId, ORG.finance);
    const aHome = deliveryId(A.hubDocumentId, ORG.home);
    const cHome = deliveryId(C.hubDocumentId, ORG.home);
    expect((await reasons({})).size).toBe(0); // nothing is old enough yet
    const notFetched = await reasons({ notFetchedBefore: soon() });
    expect(notFetched.get(aFinance)).toEqual(["not-fetched"]);
    expect(notFetched.get(cHome)).toEqual(["not-fetched"]);
    // Reception: Sở Tài chính said 03, Sở Nội vụ said nothing.
    const reception = await reasons({ receptionDueBefore: soon() });
    expect(reception.get(aFinance)).toBeUndefined();
    expect(reception.get(aHome)).toEqual(["no-reception-status"]);
    // Urgent: only C (priority 2) counts, under the rule for priority ≤ 2.
    const urgent = await reasons({
      urgent: [
        { priority: 1, availableBefore: soon() },
        { priority: 3, availableBefore: hourAgo() },
      ],
    });
    expect([...urgent.keys()]).toEqual([cHome]);
    expect(urgent.get(cHome)).toEqual(["urgent-overdue"]);
    // Fetched, not acknowledged.
    await h.rpc("inbox.fetch", { actingFor: [ORG.home], deliveryId: cHome });
    const fetched = await reasons({ notFetchedBefore: soon(), notAcknowledgedBefore: soon() });
    expect(fetched.get(cHome)).toEqual(["not-acknowledged"]);
    const out = await h.rpc("console.stuck", params({ notFetchedBefore: soon(), limit: 1 }));
    expect(out.items).toHaveLength(1);
    expect(out.truncated).toBe(true);
  });
});

describe("console.deadLetters and console.redrive", () => {
  /** A message as the bus dead-letters it (the `x-edoc-*` headers). */
  async function deadLetter(originQueue: string): Promise<string> {
    const messageId = `dead-${randomBytes(4).toString("hex")}`;
    const body = { hubDocumentId: `doc-${messageId}`, kind: "letter" };
    await h.peer.publish("dead", Buffer.from(JSON.stringify(body)), {
      messageId,
      headers: {
        "x-edoc-origin-queue": originQueue,
        "x-edoc-reason": "ROUTE_INVALID",
        "x-edoc-error": "test",
        "x-edoc-dead-at": new Date().toISOString(),
      },
    });
    await waitFor(async () =>
      (await h.rpc("console.deadLetters", { state: "open" })).items.find((d) => d.id === messageId),
    );
    return messageId;
  }

  it("re-publishes to the origin queue once, attests it, marks the row, and says so again on a retry", async () => {
    const id = await deadLetter("router.inbound");
    const listed = (await h.rpc("console.deadLetters", { state: "open" })).items.find(
      (d) => d.id === id,
    );
    expect(listed).toMatchObject({
      redrivable: true,
      hubDocumentId: `doc-${id}`,
      reason: "ROUTE_INVALID",
    });
    expect(listed?.body).toContain(`doc-${id}`);

    const first = await h.rpc("console.redrive", { deadLetterId: id, by: "vanhanh" });
    expect(first.outcome).toBe("redriven");
    expect(first.deadLetter).toMatchObject({
      redrivenBy: "vanhanh",
      redriveReceiptId: first.receiptId,
    });
    await waitFor(() => h.routed.find((m) => m.messageId === id));
    const receipt = await h.store.db
      .collection<ReceiptDoc>("receipts")
      .findOne({ _id: `redriven:${id}` });
    expect(receipt).toMatchObject({
      type: "redriven",
      id: first.receiptId,
      hubDocumentId: `doc-${id}`,
      data: { deadLetterId: id, messageId: id, originQueue: "router.inbound", by: "vanhanh" },
    });

    const again = await h.rpc("console.redrive", { deadLetterId: id, by: "someone-else" });
    expect(again).toMatchObject({ outcome: "already-redriven", receiptId: first.receiptId });
    await h.settle();
    expect(h.routed.filter((m) => m.messageId === id)).toHaveLength(1);
    expect(
      (await h.rpc("console.deadLetters", { state: "open" })).items.map((d) => d.id),
    ).not.toContain(id);
    expect(
      (await h.rpc("console.deadLetters", { state: "redriven" })).items.map((d) => d.id),
    ).toContain(id);
  });

  it("serializes concurrent re-drives of one row: one publish, one receipt", async () => {
    // The broker names the origin with the prefix (as in x-first-death-queue).
    const id = await deadLetter(`${h.prefix}.router.inbound`);
    const both = await Promise.all([
      h.rpc("console.redrive", { deadLetterId: id, by: "a" }),
      h.rpc("console.redrive", { deadLetterId: id, by: "b" }),
    ]);
    expect(both.map((r) => r.outcome).sort()).toEqual(["already-redriven", "redriven"]);
    expect(both[0]?.receiptId).toBe(both[1]?.receiptId);
    await h.settle();
    expect(h.routed.filter((m) => m.messageId === id)).toHaveLength(1);
  });

  it("refuses rows it cannot re-drive and ids it does not know", async () => {
    const id = await deadLetter("some.other.queue");
    const row = (await h.rpc("console.deadLetters", { state: "all" })).items.find(
      (d) => d.id === id,
    );
    expect(row?.redrivable).toBe(false);
    const refused = await rpcError(h.rpc("console.redrive", { deadLetterId: id, by: "vanhanh" }));
    expect(refused).toMatchObject({ code: "REDRIVE_NOT_POSSIBLE", status: 409 });
    const unknown = await rpcError(
      h.rpc("console.redrive", { deadLetterId: "nope", by: "vanhanh" }),
    );
    expect(unknown).toMatchObject({ code: "DEAD_LETTER_NOT_FOUND", status: 404 });
  });
});
