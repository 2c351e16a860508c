import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VdxpClient, VdxpFailure } from "@edoc/vdxp-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleClient, csrf } from "../support/console.js";
import { waitUntil } from "../support/env.js";
import { type Agent, api, consoleUser, TestHub } from "../support/hub.js";
import { letterXml, sign, statusPacket } from "../support/letters.js";

// The national axis protocol's door (VDXP) on real processes: agency systems driven by the
// project's protocol client the way the axis SDK drives them, next to the native door.
const COMMUNE = "000.20.30.H45"; // UBND Phường 1: system vxp.commune
const DEPT = "000.00.02.H45"; // Sở Nội vụ: system vxp.dept
const DISTRICT = "000.00.30.H45"; // UBND TP Tuy Hòa: native API (mTLS)
const OTHER = "000.00.03.H45"; // Sở Tài chính: native API only
const HOSTED = "000.22.30.H45"; // xã Bình Kiến

const OPERATOR = consoleUser("vanhanh", "operator");

const hub = new TestHub({
  agencies: [COMMUNE, DEPT, DISTRICT, OTHER, HOSTED],
  console: { users: [OPERATOR] },
  // A disable or a rotation must show within this (production default: 5 s).
  env: { EDOC_VDXP_SYSTEM_CACHE_MS: "300", EDOC_MAINTENANCE_POLL_MS: "200" },
});
const A = (id: string): Agent => hub.agent(id);
const secrets: string[] = [];
let commune: VdxpClient;
let dept: VdxpClient;

function client(systemId: string, secret: string, agent?: Agent): VdxpClient {
  if (secret.length >= 40) secrets.push(secret); // real ones, not the made-up refusal cases
  return new VdxpClient({
    endpoint: hub.vdxpUrl,
    systemId,
    secret,
    ca: hub.chainPem,
    ...(agent ? { cert: agent.certPem, key: agent.keyPem } : {}),
  });
}

/** Waits until `get` answers something `pred` accepts (deliveries are asynchronous by design). */
function until<T>(what: string, get: () => Promise<T>, pred: (v: T) => boolean): Promise<T> {
  return waitUntil(what, async () => {
    const v = await get();
    return pred(v) ? v : undefined;
  });
}

/** The item of letter `documentId` in a system's list of received letters, once it is there. */
async function received(who: VdxpClient, documentId: string) {
  const list = await until(
    "the received list",
    () => who.getReceivedEdocList(),
    (xs) => xs.some((x) => x.documentId === documentId),
  );
  return list.find((x) => x.documentId === documentId)!;
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
    expect(sent[0]!.notation).toMatch(/^\d+\/TEST$/);
    expect(sent[0]!.title).toBe("V/v kiểm thử liên thông");
    expect((await dept.getSentEdocList(undefined, "status")).map((x) => x.senderDocId)).toContain(
      statusDoc,
    );
  });

  it("a revoke withdraws a letter not yet fetched: gone from the list, getEdoc refused", async () => {
    const { xml, documentId } = letterXml(COMMUNE, [DEPT]);
    await commune.sendEdoc(COMMUNE, sign(A(COMMUNE), xml));
    const item = await received(dept, documentId);
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
    const item = await received(dept, documentId);
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

describe("large letters on the VDXP door", () => {
  it("a 3 MiB letter is spooled on the way in and served whole by getEdoc and downloadEdoc", async () => {
    const { xml, documentId } = letterXml(COMMUNE, [DEPT], { attachmentBytes: 3 * 1024 * 1024 });
    const bytes = sign(A(COMMUNE), xml);
    expect(bytes.length).toBeGreaterThan(3 * 1024 * 1024);
    await commune.sendEdoc(COMMUNE, bytes);
    const item = await received(dept, documentId);
    expect((await dept.getEdoc(item.docId)).equals(bytes)).toBe(true);
    expect((await dept.downloadEdoc(item.docId)).equals(bytes)).toBe(true);
    await dept.updateStatus(item.docId, "done");
  });
});

describe("VDXP refusals: a FAIL envelope with a stable ErrorCode, the listener alive, nothing stored", () => {
  it("authentication: missing or wrong HMAC, unknown system, stale timestamp", async () => {
    const missing = await commune.envelope("countReceiveEdoc", { auth: "none" });
    expect(missing).toMatchObject({ status: "FAIL", ErrorCode: "10" });
    const wrong = await commune.envelope("countReceiveEdoc", { auth: { secret: "not-it" } });
    expect(wrong).toMatchObject({ status: "FAIL", ErrorCode: "11" });
    expect(await failCode(client("vxp.nobody", "x").countReceiveEdoc())).toBe("12");
    const stale = await commune.envelope("countReceiveEdoc", {
      auth: { timestamp: new Date(Date.now() - 10 * 60_000) },
    });
    expect(stale).toMatchObject({ status: "FAIL", ErrorCode: "14" });
  });

  it("a disabled system is refused within the cache period; enabled again it works", async () => {
    const off = client("vxp.off", hub.addSystem("vxp.off", [HOSTED]));
    expect(await off.countReceiveEdoc()).toBe(0);
    hub.edocSystem(["disable", "vxp.off"]);
    await until(
      "refusal of the disabled system",
      () => off.envelope("countReceiveEdoc"),
      (e) => e.ErrorCode === "13",
    );
    hub.edocSystem(["enable", "vxp.off"]);
    await until(
      "the enabled system",
      () => off.envelope("countReceiveEdoc"),
      (e) => e.status === "OK",
    );
  });

  it("a rotated secret replaces the old one", async () => {
    const old = hub.addSystem("vxp.rot", [DISTRICT]);
    const fresh = /\(shown once[^)]*\): (\S+)/.exec(
      hub.edocSystem(["rotate-secret", "vxp.rot"]),
    )?.[1];
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(old);
    await until(
      "the old secret refused",
      () => client("vxp.rot", old).envelope("countReceiveEdoc"),
      (e) => e.ErrorCode === "11",
    );
    expect(await client("vxp.rot", fresh!).countReceiveEdoc()).toBeGreaterThanOrEqual(0);
  });

  it("mutual TLS on top, when the system requires it: a trusted certificate bound to its agency", async () => {
    // OTHER's mailbox is another system's: add refuses it, move hands it over.
    hub.addSystem("vxp.before", [OTHER, "000.21.31.H45"]);
    expect(() => hub.addSystem("vxp.mtls", [OTHER], ["--require-mtls"])).toThrow(/MAILBOX_TAKEN/);
    const secret = hub.addSystem("vxp.mtls", ["000.21.30.H45"], ["--require-mtls"]);
    const moved = hub.edocSystem(["move", OTHER, "--to", "vxp.mtls"]);
    expect(moved).toContain("from vxp.before to vxp.mtls");
    expect(await failCode(client("vxp.mtls", secret).countReceiveEdoc())).toBe("15");
    expect(await failCode(client("vxp.mtls", secret, A(DEPT)).countReceiveEdoc())).toBe("15");
    expect(await client("vxp.mtls", secret, A(OTHER)).countReceiveEdoc()).toBe(0);
  });

  it("a `from` the system may not act for, in the header or in the packet", async () => {
    const { xml } = letterXml(DISTRICT, [DEPT]);
    const letter = sign(A(DISTRICT), xml);
    const e1 = await commune.envelope("sendEdoc", sendInput(DISTRICT, letter));
    expect(e1).toMatchObject({ status: "FAIL", ErrorCode: "16" });
    const e2 = await commune.envelope("sendEdoc", sendInput(COMMUNE, letter));
    expect(e2).toMatchObject({ ErrorCode: "16", edocCode: "SENDER_NOT_AUTHORISED" });
    expect(await failCode(dept.deleteAgency(COMMUNE))).toBe("16");
  });

  it("a docId of another agency is not found, for getEdoc, downloadEdoc and updateStatus", async () => {
    const { xml, documentId } = letterXml(COMMUNE, [DEPT]);
    await commune.sendEdoc(COMMUNE, sign(A(COMMUNE), xml));
    const item = await received(dept, documentId);
    expect(await failCode(commune.getEdoc(item.docId))).toBe("17");
    expect(await failCode(commune.downloadEdoc(item.docId))).toBe("17");
    expect(await failCode(commune.updateStatus(item.docId, "done"))).toBe("17");
    // Acknowledging before fetching is refused too (the SDK fetches first).
    expect(await failCode(dept.updateStatus(item.docId, "done"))).toBe("35");
  });

  it("content: malformed edXML, wrong messagetype, wrong hash-file, signer not bound, status for an unknown letter", async () => {
    expect(await failCode(commune.sendEdoc(COMMUNE, Buffer.from("<edXML><broken")))).toBe("22");
    const a = letterXml(COMMUNE, [DEPT]);
    expect(await failCode(commune.sendEdoc(COMMUNE, sign(A(COMMUNE), a.xml), "status"))).toBe("24");
    const b = letterXml(COMMUNE, [DEPT]);
    const hashed = await commune.envelope("sendEdoc", {
      ...sendInput(COMMUNE, sign(A(COMMUNE), b.xml)),
      params: { from: COMMUNE, servicetype: "eDoc", messagetype: "edoc", "hash-file": "abc123" },
    });
    expect(hashed).toMatchObject({ status: "FAIL", ErrorCode: "25" });
    const c = letterXml(COMMUNE, [DEPT]);
    expect(await failCode(commune.sendEdoc(COMMUNE, sign(A(DEPT), c.xml)))).toBe("21");
    const orphan = statusPacket(A(COMMUNE), DEPT, `${DEPT},2026/01/01,1/NONE`, "03");
    expect(await failCode(commune.sendEdoc(COMMUNE, orphan, "status"))).toBe("26");

    // Nothing of the refused letters was stored or routed: a later good letter arrives alone.
    const good = letterXml(COMMUNE, [DEPT]);
    await commune.sendEdoc(COMMUNE, sign(A(COMMUNE), good.xml));
    const list = await until(
      "dept's list",
      () => dept.getReceivedEdocList(),
      (xs) => xs.some((x) => x.documentId === good.documentId),
    );
    const refused = [a, b, c].map((x) => x.documentId);
    expect(list.filter((x) => refused.includes(x.documentId ?? ""))).toEqual([]);
    const sent = await commune.getSentEdocList();
    expect(sent.filter((x) => refused.some((id) => x.title && id === x.title))).toEqual([]);
  });

  it("unknown operations, wrong methods and bad parameters get envelopes (HTTP 200), never a 404 page", async () => {
    const unknown = await commune.call("getEverything", {});
    expect(unknown.httpStatus).toBe(200);
    expect(JSON.parse(unknown.body.toString())).toMatchObject({ status: "FAIL", ErrorCode: "31" });
    const get = await commune.envelope("getEdoc", { method: "GET", params: { docId: "x" } });
    expect(get).toMatchObject({ status: "FAIL", ErrorCode: "32" });
    const bad = await commune.envelope("getReceivedEdocList", { params: { messagetype: "fax" } });
    expect(bad).toMatchObject({ status: "FAIL", ErrorCode: "30" });
    // Still alive and answering.
    expect(await commune.countReceiveEdoc()).toBeGreaterThanOrEqual(0);
  });
});

describe("maintenance mode", () => {
  it("refuses sendEdoc with ErrorCode 50 while lists stay open; off again, letters flow", async () => {
    const { xml } = letterXml(COMMUNE, [DEPT]);
    const bytes = sign(A(COMMUNE), xml);
    hub.edoc(["maintenance", "on", "--reason", "kiểm thử", "--retry-after", "30"]);
    try {
      await until(
        "the maintenance refusal",
        () => commune.envelope("sendEdoc", sendInput(COMMUNE, bytes)),
        (e) => e.ErrorCode === "50",
      );
      expect(await commune.countReceiveStatus()).toBeGreaterThanOrEqual(0);
    } finally {
      hub.edoc(["maintenance", "off"]);
    }
    await until(
      "the door open again",
      () => commune.envelope("sendEdoc", sendInput(COMMUNE, bytes)),
      (e) => e.status === "OK",
    );
  });
});

describe("registration requests", () => {
  it("registerAgency and deleteAgency file requests an operator decides; the directory is untouched", async () => {
    const r = await commune.registerAgency({
      code: "000.04.30.H45",
      pcode: "000.00.30.H45",
      name: "UBND xã Hòa Kiến",
      mail: "hoakien@example.vn",
    });
    expect(r).toMatchObject({ status: "OK" });
    expect(String(r.requestId)).toMatch(/^reg_/);
    const d = await commune.deleteAgency(COMMUNE);
    expect(String(d.requestId)).toMatch(/^reg_/);
    expect((await commune.getAgenciesList()).some((a) => a.code === "000.04.30.H45")).toBe(false);
    expect(await failCode(commune.registerAgency({ code: "28.22.H17", name: "x" }))).toBe("30");
  });
});

describe("console: systems and registration requests", () => {
  it("lists the systems; an operator approves one request and refuses another, once each, with CSRF", async () => {
    const reg = await commune.registerAgency({
      code: "000.03.30.H45",
      pcode: DISTRICT,
      name: "Phòng Nội vụ TP Tuy Hòa",
    });
    const del = await commune.deleteAgency(COMMUNE);
    const web = new ConsoleClient(hub);
    await web.logIn(OPERATOR);

    const systems = await web.request("GET", "/systems");
    expect(systems.status).toBe(200);
    expect(systems.body).toContain('data-system-id="vxp.commune"');
    expect(systems.body).toContain(COMMUNE);

    const list = await web.request("GET", "/registrations");
    expect(list.body).toContain(`data-registration-id="${reg.requestId}"`);
    expect(list.body).toContain(`data-registration-id="${del.requestId}"`);
    const token = csrf(list.body);

    const forged = await web.request("POST", "/registrations/decide", {
      id: String(reg.requestId),
      decision: "approve",
      _csrf: "forged",
    });
    expect(forged.status).toBe(403);

    // A new agency needs its tier (a directory attribute): without it the request stays pending.
    const noTier = await web.request("POST", "/registrations/decide", {
      id: String(reg.requestId),
      decision: "approve",
      _csrf: token,
    });
    expect(noTier.status).toBe(303);
    expect((await web.request("GET", "/registrations")).body).toContain("TIER_REQUIRED");
    const ok = await web.request("POST", "/registrations/decide", {
      id: String(reg.requestId),
      decision: "approve",
      tier: "division",
      _csrf: token,
    });
    expect(ok.status).toBe(303);
    const refused = await web.request("POST", "/registrations/decide", {
      id: String(del.requestId),
      decision: "refuse",
      reason: "Cơ quan vẫn hoạt động",
      _csrf: token,
    });
    expect(refused.status).toBe(303);
    const again = await web.request("POST", "/registrations/decide", {
      id: String(reg.requestId),
      decision: "refuse",
      _csrf: token,
    });
    expect(again.status).toBe(303);
    expect((await web.request("GET", "/registrations")).body).toContain("REGISTRATION_DECIDED");

    const all = (await web.request("GET", "/registrations?state=all")).body;
    const row = (id: unknown) =>
      all.slice(all.indexOf(`data-registration-id="${id}"`)).split("</tr>")[0] ?? "";
    expect(row(reg.requestId)).toContain("Đã duyệt");
    expect(row(reg.requestId)).toContain(OPERATOR.username);
    // Applied to the live directory: the agency list the protocol serves has it.
    expect(row(reg.requestId)).toContain("directory version");
    await until(
      "the approved agency listed",
      () => commune.getAgenciesList(),
      (xs) => xs.some((a) => a.code === "000.03.30.H45"),
    );
    expect(row(del.requestId)).toContain("Từ chối");
    expect(row(del.requestId)).toContain("Cơ quan vẫn hoạt động");
  });
});

describe("logs", () => {
  it("no secret and no request HMAC in any service's log", () => {
    for (const name of ["gateway", "archive", "router", "console"]) {
      const text = readFileSync(join(hub.dir, `${name}.log`), "utf8");
      expect(text.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/hash-header"\s*:\s*"[0-9a-f]{64}/);
    }
  });
});

function sendInput(from: string, edxml: Buffer) {
  return {
    params: { from, servicetype: "eDoc", messagetype: "edoc" },
    body: Buffer.concat([edxml, Buffer.from("\r\n")]),
    contentType: "application/octet-stream",
  };
}
