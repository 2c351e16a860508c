import { VdxpFailure } from "@edoc/vdxp-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../support/env.js";
import {
  AXIS,
  COMMUNE_A,
  checkChain,
  DEPT_A,
  DEPT_B,
  Federation,
  FINANCE_B,
  HUB_A,
  HUB_B,
  type HubTrace,
  MINISTRY,
  NOWHERE,
  operatorTrace,
  receiptsOf,
} from "../support/federation.js";
import { api, type TestHub } from "../support/hub.js";
import { letterXml, receiveAndAck, sign, statusPacket } from "../support/letters.js";

// Federation (#11) on real processes: the national axis and two provincial hubs, each its own
// services, queue prefix and database, linked only through the axis protocol (VDXP). A commune
// of province A writes to a department of province B and to a ministry at the axis.
const fed = new Federation();
const A = (id: string) => fed.agent(id);
/** Three hops with two polling links on a shared 2-core machine: generous, never a sleep. */
const HOPS_MS = 90_000;
/** A test that waits for a few such trips. */
const TEST_MS = 240_000;

interface Item {
  deliveryId: string;
  hubDocumentId: string;
  documentId: string;
  kind: string;
  docType: string;
  state: string;
  statusCode?: string;
  from: string;
  recipient: string;
  availableAt: string;
}

async function inbox(hub: TestHub, who: string): Promise<Item[]> {
  const r = await api(hub, A(who), "GET", "/inbox?state=all");
  expect(r.status).toBe(200);
  return (r.json() as { items: Item[] }).items;
}

/** Polls an agency's inbox at its hub until `pred` holds (links poll; deliveries are async). */
function waitInbox(hub: TestHub, who: string, pred: (xs: Item[]) => boolean): Promise<Item[]> {
  return waitUntil(
    `the inbox of ${who}`,
    async () => {
      const xs = await inbox(hub, who);
      return pred(xs) ? xs : undefined;
    },
    HOPS_MS,
  );
}

async function send(hub: TestHub, who: string, bytes: Buffer, path = "/documents") {
  const r = await api(hub, A(who), "POST", path, bytes);
  return { status: r.status, body: r.json() as { hubDocumentId: string; code?: string } };
}

/** The letter of `documentId` in an inbox, once it is there. */
async function arrived(hub: TestHub, who: string, documentId: string): Promise<Item> {
  const xs = await waitInbox(hub, who, (ys) =>
    ys.some((x) => x.documentId === documentId && x.kind === "letter" && x.docType === "new"),
  );
  return xs.find((x) => x.documentId === documentId && x.docType === "new")!;
}

const types = (events: { type: string }[]) => events.map((e) => e.type);

/** The FAIL envelope a VDXP call ends with (an OK answer fails the test). */
async function refusal(call: Promise<unknown>): Promise<VdxpFailure> {
  try {
    await call;
  } catch (err) {
    if (err instanceof VdxpFailure) return err;
    throw err;
  }
  throw new Error("expected a FAIL envelope, got OK");
}

beforeAll(async () => {
  await fed.start();
}, 300_000);
afterAll(async () => {
  await fed.stop();
});

describe("federation: province A → axis → province B, and → a ministry at the axis", () => {
  it(
    "each recipient receives the letter byte for byte; statuses 01/03/06 travel back; the trace at each hub shows the path",
    async () => {
      const { xml, documentId } = letterXml(COMMUNE_A, [DEPT_B, MINISTRY], {
        subject: "V/v liên thông giữa hai tỉnh",
      });
      const bytes = sign(A(COMMUNE_A), xml);
      const sent = await send(fed.hubA, COMMUNE_A, bytes);
      expect(sent.status, JSON.stringify(sent.body)).toBe(202);
      const doc = sent.body.hubDocumentId;

      // Province B's department and the ministry each get exactly the sender's signed bytes.
      const atB = await arrived(fed.hubB, DEPT_B, documentId);
      expect(atB).toMatchObject({ from: COMMUNE_A, recipient: DEPT_B, state: "available" });
      await receiveAndAck(fed.hubB, A(DEPT_B), atB.deliveryId, bytes);
      const atAxis = await arrived(fed.axis, MINISTRY, documentId);
      await receiveAndAck(fed.axis, A(MINISTRY), atAxis.deliveryId, bytes);

      for (const code of ["01", "03", "06"]) {
        const r = await send(
          fed.hubB,
          DEPT_B,
          statusPacket(A(DEPT_B), COMMUNE_A, documentId, code),
          "/statuses",
        );
        expect(r.status, `status ${code}: ${JSON.stringify(r.body)}`).toBe(202);
      }
      const ministry03 = await send(
        fed.axis,
        MINISTRY,
        statusPacket(A(MINISTRY), COMMUNE_A, documentId, "03"),
        "/statuses",
      );
      expect(ministry03.status, JSON.stringify(ministry03.body)).toBe(202);

      const back = await waitInbox(
        fed.hubA,
        COMMUNE_A,
        (xs) => xs.filter((x) => x.kind === "status" && x.documentId === documentId).length >= 4,
      );
      // In the order they became available at hub-a: the links keep a letter's statuses in order.
      const statuses = back
        .filter((x) => x.kind === "status" && x.documentId === documentId)
        .sort((x, y) =>
          x.availableAt < y.availableAt ? -1 : x.availableAt > y.availableAt ? 1 : 0,
        );
      expect(statuses.filter((x) => x.from === DEPT_B).map((x) => x.statusCode)).toEqual([
        "01",
        "03",
        "06",
      ]);
      expect(statuses.filter((x) => x.from === MINISTRY).map((x) => x.statusCode)).toEqual(["03"]);

      // Province A (the sender's hub): accepted, forwarded upstream for both, the statuses back.
      const tA = await api(fed.hubA, A(COMMUNE_A), "GET", `/documents/${doc}/trace`);
      expect(tA.status).toBe(200);
      const traceA = tA.json() as HubTrace;
      expect(traceA.fromHub).toBeUndefined();
      expect(types(traceA.events)).toContain("accepted");
      expect(traceA.recipients.map((r) => r.recipient).sort()).toEqual([MINISTRY, DEPT_B].sort());
      for (const r of traceA.recipients) {
        expect(r.hub).toBe("upstream");
        expect(types(r.events)).toContain("forwarded");
      }
      expect(
        traceA.recipients.find((r) => r.recipient === DEPT_B)?.statuses.map((s) => s.code),
      ).toEqual(["01", "03", "06"]);

      // The axis: accepted from hub-a, delivered to the ministry, forwarded to hub-b.
      const traceX = await waitUntil(
        "the axis's trace with the ministry's acknowledgement",
        async () => {
          const t = await operatorTrace(fed.axis, documentId);
          const m = t?.recipients.find((r) => r.recipient === MINISTRY);
          return m && types(m.events).includes("acknowledged") ? t : undefined;
        },
      );
      expect(traceX.fromHub).toBe(HUB_A);
      expect(traceX.hops?.map((h) => h.hub)).toEqual([HUB_A]);
      const toB = traceX.recipients.find((r) => r.recipient === DEPT_B);
      expect(toB?.hub).toBe(HUB_B);
      expect(types(toB?.events ?? [])).toContain("forwarded");
      expect(traceX.recipients.find((r) => r.recipient === MINISTRY)?.hub).toBeUndefined();

      // Province B: accepted from upstream, with the hops it made (hub-a, then the axis).
      const traceB = await operatorTrace(fed.hubB, documentId);
      expect(traceB).toBeDefined();
      const b = traceB!.recipients.find((r) => r.recipient === DEPT_B);
      expect(types(b?.events ?? [])).toEqual(
        expect.arrayContaining(["routed", "available", "fetched", "acknowledged"]),
      );
      expect(b?.statuses.map((s) => s.code)).toEqual(["01", "03", "06"]);
      expect(traceB?.fromHub).toBe("upstream");
      expect(traceB?.hops?.map((h) => h.hub)).toEqual([HUB_A, AXIS]);
      // t1 < t2 < t3: left province A, accepted by the axis, accepted in province B.
      const [t1 = "", t2 = ""] = traceB?.hops?.map((h) => h.at) ?? [];
      const t3 = traceB?.events.find((e) => e.type === "accepted")?.at ?? "";
      expect(t1 < t2 && t2 < t3).toBe(true);
    },
    TEST_MS,
  );

  it(
    "a repeat is answered with the original receipt at every hop and delivered once",
    async () => {
      const { xml, documentId } = letterXml(COMMUNE_A, [FINANCE_B]);
      const bytes = sign(A(COMMUNE_A), xml);
      const first = await api(fed.hubA, A(COMMUNE_A), "POST", "/documents", bytes);
      const again = await api(fed.hubA, A(COMMUNE_A), "POST", "/documents", bytes);
      expect(first.status).toBe(202);
      expect(again.status).toBe(200);
      expect((again.json() as { receipt: string }).receipt).toBe(
        (first.json() as { receipt: string }).receipt,
      );
      await arrived(fed.hubB, FINANCE_B, documentId);
      // hub-a's link sends it again (a crash between send and ack): the axis knows it.
      const peer = fed.peerClient(HUB_A);
      const axisDoc = await peer.sendEdoc(COMMUNE_A, bytes);
      expect(await peer.sendEdoc(COMMUNE_A, bytes)).toBe(axisDoc);
      // A later letter on the same path arrives after anything the repeat could have caused.
      const marker = letterXml(COMMUNE_A, [FINANCE_B]);
      expect((await send(fed.hubA, COMMUNE_A, sign(A(COMMUNE_A), marker.xml))).status).toBe(202);
      const xs = await waitInbox(fed.hubB, FINANCE_B, (ys) =>
        ys.some((x) => x.documentId === marker.documentId),
      );
      expect(xs.filter((x) => x.documentId === documentId)).toHaveLength(1);
    },
    TEST_MS,
  );

  it(
    "a revoke withdraws, across two hops, a letter not yet fetched",
    async () => {
      const { xml, documentId } = letterXml(COMMUNE_A, [DEPT_B]);
      expect((await send(fed.hubA, COMMUNE_A, sign(A(COMMUNE_A), xml))).status).toBe(202);
      const item = await arrived(fed.hubB, DEPT_B, documentId);
      const revoke = letterXml(COMMUNE_A, [DEPT_B], { docType: "revoke", documentId }).xml;
      const r = await send(fed.hubA, COMMUNE_A, sign(A(COMMUNE_A), revoke));
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      const xs = await waitInbox(
        fed.hubB,
        DEPT_B,
        (ys) =>
          ys.some((x) => x.deliveryId === item.deliveryId && x.state === "withdrawn") &&
          ys.some((x) => x.documentId === documentId && x.docType === "revoke"),
      );
      expect(xs.find((x) => x.docType === "revoke" && x.documentId === documentId)?.from).toBe(
        COMMUNE_A,
      );
      const gone = await api(fed.hubB, A(DEPT_B), "GET", `/inbox/${item.deliveryId}/edxml`);
      expect(gone.status).toBe(410);
    },
    TEST_MS,
  );

  it("directory sync: a province knows the other province's agencies as served upstream, its own as local", () => {
    const remote = JSON.parse(fed.hubA.edoc(["directory", "show", DEPT_B, "--json"])) as unknown;
    expect(JSON.stringify(remote)).toMatch(/"hub":\s*"upstream"/);
    const own = JSON.stringify(
      JSON.parse(fed.hubA.edoc(["directory", "show", DEPT_A, "--json"])) as unknown,
    );
    expect(own).not.toMatch(/"hub":/);
  });
});

describe("federation: bad input across hubs is refused with a code and a receipt, nothing half-stored", () => {
  it("a letter with a broken signature sent on by a peer hub: FAIL 20 at the axis, nothing stored", async () => {
    const { xml, documentId } = letterXml(COMMUNE_A, [DEPT_B], { subject: "Bản gốc" });
    const signed = sign(A(COMMUNE_A), xml).toString("utf8");
    const broken = Buffer.from(signed.replace("Bản gốc", "Bản sửa"), "utf8");
    expect(broken.equals(Buffer.from(signed, "utf8"))).toBe(false);
    const failure = await refusal(fed.peerClient(HUB_A).sendEdoc(COMMUNE_A, broken));
    expect(failure).toMatchObject({ errorCode: "20", edocCode: "SIGNATURE_INVALID" });
    expect(await operatorTrace(fed.axis, documentId)).toBeUndefined();
    const receipts = await receiptsOf(fed.axis);
    expect(receipts.filter((r) => r.documentId === documentId)).toEqual([]);
  });

  it(
    "an unknown recipient at the far end: the sender in province A gets the return with its code",
    async () => {
      const { xml } = letterXml(COMMUNE_A, [NOWHERE]);
      const sent = await send(fed.hubA, COMMUNE_A, sign(A(COMMUNE_A), xml));
      expect(sent.status, JSON.stringify(sent.body)).toBe(202);
      const doc = sent.body.hubDocumentId;
      const returned = await waitUntil(
        "the return at the sender's hub",
        async () => {
          const r = await api(fed.hubA, A(COMMUNE_A), "GET", `/documents/${doc}/trace`);
          const t = r.json() as { events: { type: string; data?: Record<string, unknown> }[] };
          return t.events.find((e) => e.type === "returned");
        },
        HOPS_MS,
      );
      // Refused at the far end (the axis), not here: the return names the upstream link.
      expect(returned.data).toMatchObject({ reason: "RECIPIENT_UNKNOWN", hub: "upstream" });
      const docs = await api(fed.hubA, A(COMMUNE_A), "GET", "/documents");
      const mine = (
        docs.json() as {
          documents: {
            hubDocumentId: string;
            recipients: { recipient: string; state: string }[];
          }[];
        }
      ).documents.find((d) => d.hubDocumentId === doc);
      expect(mine?.recipients.find((r) => r.recipient === NOWHERE)?.state).toBe("returned");
    },
    TEST_MS,
  );

  it(
    "a hop loop: the axis never sends a letter back to the hub it came from (HOP_LOOP, a receipt)",
    async () => {
      // hub-a hands the axis a letter for one of hub-a's own agencies: the axis accepts it
      // (the sender and signature are fine) and its router returns that recipient.
      const { xml, documentId } = letterXml(COMMUNE_A, [DEPT_A]);
      expect(await fed.peerClient(HUB_A).sendEdoc(COMMUNE_A, sign(A(COMMUNE_A), xml))).toMatch(
        /^doc_/,
      );
      const trace = await waitUntil("the axis's return", async () => {
        const t = await operatorTrace(fed.axis, documentId);
        return t?.events.some((e) => e.type === "returned") ? t : undefined;
      });
      expect(trace.fromHub).toBe(HUB_A);
      const returned = trace.events.find((e) => e.type === "returned");
      expect(returned?.data).toMatchObject({ reason: "HOP_LOOP", addressedTo: DEPT_A });
      expect(trace.recipients.map((r) => [r.recipient, r.state])).toEqual([[DEPT_A, "returned"]]);
      // Nothing reached hub-a's department: a later letter to it from the axis (pulled oldest
      // first) arrives alone.
      const marker = letterXml(MINISTRY, [DEPT_A]);
      expect((await send(fed.axis, MINISTRY, sign(A(MINISTRY), marker.xml))).status).toBe(202);
      const xs = await waitInbox(fed.hubA, DEPT_A, (ys) =>
        ys.some((x) => x.documentId === marker.documentId),
      );
      expect(xs.filter((x) => x.documentId === documentId)).toEqual([]);
    },
    TEST_MS,
  );
});

describe("federation: a peer hub speaks only for agencies the axis does not serve", () => {
  it("a letter from the axis's own ministry sent by hub-a: 38 SENDER_NOT_REMOTE, nothing stored", async () => {
    const { xml, documentId } = letterXml(MINISTRY, [DEPT_B]);
    const failure = await refusal(fed.peerClient(HUB_A).sendEdoc(MINISTRY, sign(A(MINISTRY), xml)));
    expect(failure).toMatchObject({ errorCode: "38", edocCode: "SENDER_NOT_REMOTE" });
    expect(await operatorTrace(fed.axis, documentId)).toBeUndefined();
  });
});

describe("federation: evidence", () => {
  it("every hub's receipt chain verifies", async () => {
    for (const hub of fed.hubs) expect(await checkChain(hub)).toBeGreaterThan(0);
  });
});
