import { VdxpClient, VdxpFailure } from "@edoc/vdxp-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, api, TestHub } from "../support/hub.js";
import { letterXml, sign, statusPacket } from "../support/letters.js";

// The national axis protocol's door (VDXP) on real processes: agency systems driven by the
// project's protocol client the way the axis SDK drives them, next to the native door.
const COMMUNE = "000.20.30.H45"; // UBND Phường 1: system vxp.commune
const DEPT = "000.00.02.H45"; // Sở Nội vụ: system vxp.dept
const DISTRICT = "000.00.30.H45"; // UBND TP Tuy Hòa: native API (mTLS)
const OTHER = "000.00.03.H45"; // Sở Tài chính: native API only

const hub = new TestHub({
  agencies: [COMMUNE, DEPT, DISTRICT, OTHER],
  // A disable or a rotation must show within this (production default: 5 s).
  env: { EDOC_VDXP_SYSTEM_CACHE_MS: "300" },
});
const A = (id: string): Agent => hub.agent(id);
let commune: VdxpClient;
let dept: VdxpClient;

function client(systemId: string, secret: string, agent?: Agent): VdxpClient {
  return new VdxpClient({
    endpoint: hub.vdxpUrl,
    systemId,
    secret,
    ca: hub.chainPem,
    ...(agent ? { cert: agent.certPem, key: agent.keyPem } : {}),
  });
}

/** Polls until `pred` holds (deliveries are asynchronous by design). */
async function until<T>(what: string, get: () => Promise<T>, pred: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await get();
    if (pred(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} never matched: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The ErrorCode of a typed call's FAIL envelope. */
async function failCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VdxpFailure) return err.errorCode;
    throw err;
  }
  throw new Error("expected a FAIL envelope, got OK");
}

beforeAll(async () => {
  await hub.start();
  commune = client("vxp.commune", hub.addSystem("vxp.commune", [COMMUNE], ["--name", "QLVB xã"]));
  dept = client("vxp.dept", hub.addSystem("vxp.dept", [DEPT]));
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("VDXP listener: an SDK-style agency system through the whole cycle", () => {
  it("lists agencies, sends a letter, the recipient takes it, a status 03 comes back, counts move", async () => {
    const agencies = await commune.getAgenciesList();
    expect(agencies.map((a) => a.code)).toEqual(expect.arrayContaining([COMMUNE, DEPT]));
    const qd20 = await commune.getAgenciesListQD20();
    expect(qd20.find((a) => a.code === DEPT)).toMatchObject({ status: 1, deleted: false });
    expect((await commune.getSynchronizeUnit("2")).every((u) => u.code.startsWith("000.00."))).toBe(
      true,
    );

    const before = await dept.countReceiveEdoc();
    const { xml, documentId } = letterXml(COMMUNE, [DEPT]);
    const letter = sign(A(COMMUNE), xml);
    const docId = await commune.sendEdoc(COMMUNE, letter);
    expect(docId).toMatch(/^doc_[0-9a-f]{32}$/);
    // The same bytes again: the same document (dedupe), not a second letter.
    expect(await commune.sendEdoc(COMMUNE, letter)).toBe(docId);

    const list = await until(
      "dept's list",
      () => dept.getReceivedEdocList("edoc"),
      (xs) => xs.some((x) => x.documentId === documentId),
    );
    const item = list.find((x) => x.documentId === documentId)!;
    expect(item).toMatchObject({ from: COMMUNE, to: DEPT, messageType: "edoc", status: "initial" });
    expect(await dept.countReceiveEdoc()).toBe(before + 1);

    expect((await dept.getEdoc(item.docId)).equals(letter)).toBe(true);
    expect((await dept.downloadEdoc(item.docId)).equals(letter)).toBe(true);
    await dept.updateStatus(item.docId, "done");
    expect(await dept.countReceiveEdoc()).toBe(before);
    expect((await dept.getReceivedEdocList()).some((x) => x.docId === item.docId)).toBe(false);

    const statusesBefore = await commune.countReceiveStatus();
    const status = statusPacket(A(DEPT), COMMUNE, documentId, "03");
    const statusDoc = await dept.sendEdoc(DEPT, status, "status");
    expect(statusDoc).toMatch(/^doc_/);
    const statuses = await until(
      "commune's statuses",
      () => commune.getReceivedEdocList("status"),
      (xs) => xs.some((x) => x.documentId === documentId && x.statusCode === "03"),
    );
    const st = statuses.find((x) => x.documentId === documentId)!;
    expect(st).toMatchObject({ messageType: "status", from: DEPT, to: COMMUNE });
    expect(await commune.countReceiveStatus()).toBe(statusesBefore + 1);
    expect((await commune.getEdoc(st.docId)).equals(status)).toBe(true);
    await commune.updateStatus(st.docId, "done");
    expect(await commune.countReceiveStatus()).toBe(statusesBefore);

    const sent = await until(
      "commune's sent list",
      () => commune.getSentEdocList(docId),
      (xs) => xs[0]?.receiveStatus === "03",
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      senderDocId: docId,
      receiverDocId: item.docId,
      fromCode: COMMUNE,
      toCode: DEPT,
      sendStatus: "done",
    });
    expect(sent[0]!.receivedTime).toMatch(/\+07:00$/);
    expect((await dept.getSentEdocList(undefined, "status")).map((x) => x.senderDocId)).toContain(
      statusDoc,
    );
  });

  it("a revoke withdraws a letter not yet fetched: gone from the list, getEdoc refused", async () => {
    const { xml, documentId } = letterXml(COMMUNE, [DEPT]);
    await commune.sendEdoc(COMMUNE, sign(A(COMMUNE), xml));
    const item = (
      await until(
        "dept's list",
        () => dept.getReceivedEdocList(),
        (xs) => xs.some((x) => x.documentId === documentId),
      )
    ).find((x) => x.documentId === documentId)!;
    const revoke = letterXml(COMMUNE, [DEPT], { docType: "revoke", documentId }).xml;
    await commune.sendEdoc(COMMUNE, sign(A(COMMUNE), revoke));
    const after = await until(
      "dept's list after the revoke",
      () => dept.getReceivedEdocList(),
      (xs) =>
        !xs.some((x) => x.docId === item.docId) &&
        xs.some((x) => x.documentId === documentId && x.docType === "revoke"),
    );
    expect(after.find((x) => x.docType === "revoke")?.from).toBe(COMMUNE);
    expect(await failCode(dept.getEdoc(item.docId))).toBe("29");
  });
});

describe("one hub, two doors", () => {
  it("a letter sent on the native door is received on the VDXP door byte for byte", async () => {
    const { xml, documentId } = letterXml(DISTRICT, [DEPT]);
    const bytes = sign(A(DISTRICT), xml);
    expect((await api(hub, A(DISTRICT), "POST", "/documents", bytes)).status).toBe(202);
    const item = (
      await until(
        "dept's list",
        () => dept.getReceivedEdocList(),
        (xs) => xs.some((x) => x.documentId === documentId),
      )
    ).find((x) => x.documentId === documentId)!;
    expect((await dept.getEdoc(item.docId)).equals(bytes)).toBe(true);
    await dept.updateStatus(item.docId, "done");
  });

  it("a letter sent on the VDXP door (edXML + CRLF) is received on the native door byte for byte", async () => {
    const { xml } = letterXml(COMMUNE, [DISTRICT]);
    const bytes = sign(A(COMMUNE), xml);
    const docId = await commune.sendEdoc(COMMUNE, bytes);
    const items = await until(
      "district's inbox",
      async () =>
        (
          (await api(hub, A(DISTRICT), "GET", "/inbox?state=all")).json() as {
            items: { deliveryId: string; hubDocumentId: string }[];
          }
        ).items,
      (xs) => xs.some((x) => x.hubDocumentId === docId),
    );
    const d = items.find((x) => x.hubDocumentId === docId)!;
    const got = await api(hub, A(DISTRICT), "GET", `/inbox/${d.deliveryId}/edxml`);
    expect(got.status).toBe(200);
    expect(got.body.equals(bytes)).toBe(true);
  });
});
