import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, api, TestHub } from "../support/hub.js";
import { letterXml, receiveAndAck, sign, statusPacket } from "../support/letters.js";

// The hub's main job, end to end on real processes, RabbitMQ and FerretDB (demo network).
const COMMUNE = "000.20.30.H45"; // UBND Phường 1, TP Tuy Hòa
const DISTRICT = "000.00.30.H45"; // UBND TP Tuy Hòa
const HOSTED = "000.22.30.H45"; // xã Bình Kiến: mailbox hosted by the district's system
const DEPT = "000.00.02.H45"; // Sở Nội vụ
const OTHER = "000.00.03.H45"; // Sở Tài chính

const hub = new TestHub({
  agencies: [COMMUNE, DISTRICT, HOSTED, DEPT, OTHER],
  actsFor: { [DISTRICT]: [HOSTED] },
});
const A = (id: string): Agent => hub.agent(id);

interface Item {
  deliveryId: string;
  hubDocumentId: string;
  kind: string;
  docType: string;
  state: string;
  statusCode?: string;
  from: string;
  recipient: string;
}

async function inbox(who: string, state = "all"): Promise<Item[]> {
  const r = await api(hub, A(who), "GET", `/inbox?state=${state}`);
  expect(r.status).toBe(200);
  return (r.json() as { items: Item[] }).items;
}

/** Polls an agency's inbox until `pred` holds (deliveries are asynchronous by design). */
async function waitInbox(
  who: string,
  pred: (items: Item[]) => boolean,
  ms = 20_000,
): Promise<Item[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const items = await inbox(who);
    if (pred(items)) return items;
    if (Date.now() > deadline)
      throw new Error(`inbox of ${who} never matched; has ${JSON.stringify(items)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function send(who: Agent, body: Buffer, path = "/documents") {
  const r = await api(hub, who, "POST", path, body);
  return {
    status: r.status,
    body: r.json() as {
      hubDocumentId: string;
      outcome: string;
      receipt: string;
      code?: string;
      recipients?: unknown[];
    },
  };
}

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("end-to-end exchange", () => {
  it("a commune's letter reaches its district and a department byte for byte, statuses flow back, and the trace shows every step", async () => {
    const { xml, documentId } = letterXml(COMMUNE, [DISTRICT, DEPT]);
    const bytes = sign(A(COMMUNE), xml);
    const sent = await send(A(COMMUNE), bytes);
    expect(sent.status).toBe(202);
    expect(sent.body.outcome).toBe("accepted");
    expect(sent.body.receipt).toContain("AcceptanceReceipt");
    expect(sent.body.receipt).toContain("SignatureValue");
    const doc = sent.body.hubDocumentId;

    for (const who of [DISTRICT, DEPT]) {
      const items = await waitInbox(who, (xs) => xs.some((x) => x.hubDocumentId === doc));
      const item = items.find((x) => x.hubDocumentId === doc)!;
      expect(item).toMatchObject({
        kind: "letter",
        state: "available",
        from: COMMUNE,
        recipient: who,
      });
      await receiveAndAck(hub, A(who), item.deliveryId, bytes);
    }

    for (const code of ["01", "03", "05", "06"]) {
      const r = await send(A(DEPT), statusPacket(A(DEPT), COMMUNE, documentId, code), "/statuses");
      expect(r.status, `status ${code}: ${JSON.stringify(r.body)}`).toBe(202);
    }
    const back = await waitInbox(
      COMMUNE,
      (xs) => xs.filter((x) => x.kind === "status").length >= 4,
    );
    expect(
      back
        .filter((x) => x.kind === "status")
        .map((x) => x.statusCode)
        .sort(),
    ).toEqual(["01", "03", "05", "06"]);

    const trace = await api(hub, A(COMMUNE), "GET", `/documents/${doc}/trace`);
    expect(trace.status).toBe(200);
    const t = trace.json() as {
      events: { type: string; receiptId: string }[];
      recipients: {
        recipient: string;
        state: string;
        events: { type: string; receiptId: string }[];
        statuses: { code: string }[];
      }[];
    };
    expect(t.events.map((e) => e.type)).toContain("accepted");
    expect(t.recipients.map((r) => r.recipient).sort()).toEqual([DEPT, DISTRICT].sort());
    for (const r of t.recipients) {
      expect(r.state).toBe("acknowledged");
      expect(r.events.map((e) => e.type)).toEqual(
        expect.arrayContaining(["routed", "available", "fetched", "acknowledged"]),
      );
      for (const e of r.events) expect(e.receiptId).toBeTruthy();
    }
    expect(t.recipients.find((r) => r.recipient === DEPT)?.statuses.map((s) => s.code)).toEqual([
      "01",
      "03",
      "05",
      "06",
    ]);
    // Only the sender may trace it.
    expect((await api(hub, A(OTHER), "GET", `/documents/${doc}/trace`)).status).toBe(404);
  });

  it("returns the original receipt for a repeated letter and 409 for the same DocumentId with other bytes", async () => {
    const { xml, documentId } = letterXml(COMMUNE, [DEPT]);
    const bytes = sign(A(COMMUNE), xml);
    const first = await send(A(COMMUNE), bytes);
    const again = await send(A(COMMUNE), bytes);
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe("duplicate");
    expect(again.body.receipt).toBe(first.body.receipt);
    const other = sign(
      A(COMMUNE),
      letterXml(COMMUNE, [DEPT], { documentId, subject: "Nội dung khác" }).xml,
    );
    const conflict = await send(A(COMMUNE), other);
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe("DOCUMENT_CONFLICT");
  });

  it("a revoke withdraws the delivery not yet fetched and tells both recipients", async () => {
    const { xml, documentId } = letterXml(COMMUNE, [DISTRICT, DEPT]);
    const doc = (await send(A(COMMUNE), sign(A(COMMUNE), xml))).body.hubDocumentId;
    const deptItem = (await waitInbox(DEPT, (xs) => xs.some((x) => x.hubDocumentId === doc))).find(
      (x) => x.hubDocumentId === doc,
    )!;
    await waitInbox(DISTRICT, (xs) => xs.some((x) => x.hubDocumentId === doc));
    expect((await api(hub, A(DEPT), "GET", `/inbox/${deptItem.deliveryId}/edxml`)).status).toBe(
      200,
    );

    const revoke = sign(
      A(COMMUNE),
      letterXml(COMMUNE, [DISTRICT, DEPT], { docType: "revoke", documentId }).xml,
    );
    const r = await send(A(COMMUNE), revoke);
    expect(r.status, JSON.stringify(r.body)).toBe(202);

    const district = await waitInbox(
      DISTRICT,
      (xs) =>
        xs.some((x) => x.hubDocumentId === doc && x.state === "withdrawn") &&
        xs.some((x) => x.docType === "revoke"),
    );
    const withdrawn = district.find((x) => x.hubDocumentId === doc)!;
    expect(
      (await api(hub, A(DISTRICT), "GET", `/inbox/${withdrawn.deliveryId}/edxml`)).status,
    ).toBe(410);
    const dept = await waitInbox(DEPT, (xs) =>
      xs.some((x) => x.docType === "revoke" && x.from === COMMUNE),
    );
    expect(dept.find((x) => x.hubDocumentId === doc)?.state).toBe("fetched");
  });

  it("a take-back request (13) reaches the recipient, who agrees with 15", async () => {
    const { xml, documentId } = letterXml(COMMUNE, [DEPT]);
    const doc = (await send(A(COMMUNE), sign(A(COMMUNE), xml))).body.hubDocumentId;
    await waitInbox(DEPT, (xs) => xs.some((x) => x.hubDocumentId === doc));
    const ask = await send(
      A(COMMUNE),
      statusPacket(A(COMMUNE), COMMUNE, documentId, "13", "Xin rút lại văn bản"),
      "/statuses",
    );
    expect(ask.status, JSON.stringify(ask.body)).toBe(202);
    await waitInbox(DEPT, (xs) => xs.some((x) => x.kind === "status" && x.statusCode === "13"));
    const yes = await send(A(DEPT), statusPacket(A(DEPT), COMMUNE, documentId, "15"), "/statuses");
    expect(yes.status, JSON.stringify(yes.body)).toBe(202);
    await waitInbox(COMMUNE, (xs) =>
      xs.some((x) => x.kind === "status" && x.statusCode === "15" && x.from === DEPT),
    );
  });

  it("refuses an unknown recipient, a wrong signer and a sender the system may not act for, with their codes", async () => {
    const unknown = await send(
      A(COMMUNE),
      sign(A(COMMUNE), letterXml(COMMUNE, [DEPT, "000.99.99.H45"]).xml),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe("RECIPIENT_UNKNOWN");

    const wrongSigner = await send(A(COMMUNE), sign(A(DEPT), letterXml(COMMUNE, [DEPT]).xml));
    expect(wrongSigner.status).toBe(403);
    expect(wrongSigner.body.code).toBe("SIGNER_NOT_BOUND");

    const notMine = await send(A(COMMUNE), sign(A(DEPT), letterXml(DEPT, [COMMUNE]).xml));
    expect(notMine.status).toBe(403);
    expect(notMine.body.code).toBe("SENDER_NOT_AUTHORISED");

    const anonymous = await api(hub, undefined, "GET", "/inbox");
    expect(anonymous.status).toBe(401);
    expect((anonymous.json() as { code: string }).code).toBe("CLIENT_CERT_REQUIRED");
  });

  it("lets a district's system send and receive for the commune whose mailbox it hosts, and nobody else's", async () => {
    const out = await send(A(DISTRICT), sign(A(HOSTED), letterXml(HOSTED, [DEPT]).xml));
    expect(out.status, JSON.stringify(out.body)).toBe(202);
    const toHosted = await send(A(DEPT), sign(A(DEPT), letterXml(DEPT, [HOSTED]).xml));
    const items = await waitInbox(DISTRICT, (xs) =>
      xs.some((x) => x.hubDocumentId === toHosted.body.hubDocumentId),
    );
    const item = items.find((x) => x.hubDocumentId === toHosted.body.hubDocumentId)!;
    expect(item.recipient).toBe(HOSTED);
    // The department cannot read it by guessing the id.
    expect((await api(hub, A(OTHER), "GET", `/inbox/${item.deliveryId}/edxml`)).status).toBe(404);
  });
});

describe("request logging", () => {
  it("the gateway's request log carries no credential headers", async () => {
    const marker = randomUUID();
    const secrets = {
      authorization: `Bearer tok-${marker}`,
      cookie: `__Host-edoc_session=ck-${marker}`,
      "XroadVnpt-hash-header": `mac-${marker}`,
    };
    const r = await api(
      hub,
      A(DEPT),
      "GET",
      `/inbox?state=all&probe=${marker}`,
      undefined,
      undefined,
      secrets,
    );
    expect(r.status).toBe(200);
    const logFile = join(hub.dir, "gateway.log");
    // The gateway writes one line per request (services/gateway/src/request-log.ts) with the
    // method, URL, status and what the handler adds, never the request's headers; the logger
    // would censor them anyway (packages/runtime/test/runtime.test.ts).
    let line: string | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = readFileSync(logFile, "utf8")
        .split("\n")
        .find((l) => l.includes(`probe=${marker}`));
      if (!line) await new Promise((res) => setTimeout(res, 100));
    }
    expect(line, "the request was logged").toBeDefined();
    const logged = JSON.parse(line as string) as Record<string, unknown>;
    expect(logged).toMatchObject({ method: "GET", status: 200, organId: DEPT });
    expect(logged.req).toBeUndefined();
    expect(line).not.toContain('"headers"');
    expect(readFileSync(logFile, "utf8")).not.toMatch(new RegExp(`(tok|ck|mac)-${marker}`));
  });
});
