import { parseOrganId } from "@edoc/directory";
import { createDevPki, issueAgencyCertificate, issueHubCertificate } from "@edoc/pki";
import { deliveryIdFor } from "@edoc/routing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";
import {
  COMMUNE,
  call,
  DEPT,
  DISTRICT,
  eventually,
  expectLogged,
  expectRefusal,
  HOSTED,
  type Item,
  inbox,
  normalLetterGoesThrough,
  OTHER,
  post,
  sent,
} from "./support.js";

// Access control: an agency sees, fetches and acknowledges only its own deliveries and traces
// only what it sent; guessed ids get the same 404 as unknown ones; no certificate, a foreign
// one or an unbound one never gets in.
const hub = new TestHub({
  agencies: [COMMUNE, DEPT, OTHER, DISTRICT, HOSTED],
  actsFor: { [DISTRICT]: [HOSTED] },
});
const A = (id: string): Agent => hub.agent(id);
const DAY = 24 * 3600 * 1000;

/** COMMUNE → DEPT, and DEPT → HOSTED (whose mailbox DISTRICT's system hosts). */
let toDept: { documentId: string; hubDocumentId: string; delivery: Item };
let toHosted: { documentId: string; hubDocumentId: string; delivery: Item };

async function deliver(from: string, to: string, reader: string) {
  const { xml, documentId } = letterXml(from, [to]);
  const r = await post(hub, A(from), sign(A(from), xml));
  expect(r.status, r.text).toBe(202);
  const hubDocumentId = r.json<{ hubDocumentId: string }>().hubDocumentId;
  const items = await eventually(
    () => inbox(hub, A(reader)),
    (xs) => xs.some((x) => x.hubDocumentId === hubDocumentId),
    `delivery to ${to}`,
  );
  return {
    documentId,
    hubDocumentId,
    delivery: items.find((x) => x.hubDocumentId === hubDocumentId)!,
  };
}

beforeAll(async () => {
  await hub.start();
  toDept = await deliver(COMMUNE, DEPT, DEPT);
  toHosted = await deliver(DEPT, HOSTED, DISTRICT);
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("deliveries are the recipient's only", () => {
  it("inboxes list only one's own deliveries (and those of agencies one acts for)", async () => {
    const ids = (items: Item[]) => items.map((x) => x.hubDocumentId);
    expect(ids(await inbox(hub, A(OTHER)))).not.toEqual(
      expect.arrayContaining([toDept.hubDocumentId]),
    );
    expect(ids(await inbox(hub, A(OTHER)))).not.toContain(toHosted.hubDocumentId);
    expect(ids(await inbox(hub, A(COMMUNE)))).not.toContain(toDept.hubDocumentId);
    expect(ids(await inbox(hub, A(DEPT)))).toContain(toDept.hubDocumentId);
    expect(ids(await inbox(hub, A(DEPT)))).not.toContain(toHosted.hubDocumentId);
    const district = await inbox(hub, A(DISTRICT));
    expect(district.find((x) => x.hubDocumentId === toHosted.hubDocumentId)?.recipient).toBe(
      HOSTED,
    );
  });

  it("another agency's delivery id, even computed from a leaked hub document id, is 404 like an unknown one", async () => {
    const unknown = await call(hub, {
      agent: A(OTHER),
      path: `/inbox/dlv_${"0".repeat(32)}/edxml`,
    });
    const u = expectRefusal(unknown, 404, "DELIVERY_NOT_FOUND");
    const guessed = [
      toDept.delivery.deliveryId,
      deliveryIdFor(toDept.hubDocumentId, parseOrganId(DEPT)),
      deliveryIdFor(toDept.hubDocumentId, parseOrganId(OTHER)),
    ];
    for (const id of guessed) {
      for (const who of [OTHER, COMMUNE]) {
        const r = await call(hub, { agent: A(who), path: `/inbox/${id}/edxml` });
        const refusal = expectRefusal(r, 404, "DELIVERY_NOT_FOUND");
        expect(refusal.message.replace(id, "ID")).toBe(
          u.message.replace(`dlv_${"0".repeat(32)}`, "ID"),
        );
        expect(r.text).not.toContain("edXML");
      }
    }
  });

  it("acknowledging someone else's delivery is 404, and changes nothing", async () => {
    const ack = await call(hub, {
      agent: A(OTHER),
      method: "POST",
      path: `/inbox/${toDept.delivery.deliveryId}/ack`,
      body: JSON.stringify({ result: "fail", reason: "not mine" }),
      headers: { "content-type": "application/json" },
    });
    expectRefusal(ack, 404, "DELIVERY_NOT_FOUND");
    const mine = (await inbox(hub, A(DEPT))).find(
      (x) => x.deliveryId === toDept.delivery.deliveryId,
    );
    expect(mine?.state).toBe("available");
  });

  it("a hosted mailbox is read and acknowledged by the hosting system", async () => {
    const id = toHosted.delivery.deliveryId;
    const got = await call(hub, { agent: A(DISTRICT), path: `/inbox/${id}/edxml` });
    expect(got.status, got.text).toBe(200);
    const ack = await call(hub, {
      agent: A(DISTRICT),
      method: "POST",
      path: `/inbox/${id}/ack`,
      body: JSON.stringify({ result: "done" }),
      headers: { "content-type": "application/json" },
    });
    expect(ack.status, ack.text).toBe(200);
  });
});

describe("only the sender traces a letter", () => {
  it("by hub document id or DocumentId, other agencies and the recipient get 404", async () => {
    for (const id of [toDept.hubDocumentId, toDept.documentId]) {
      const path = `/documents/${encodeURIComponent(id)}/trace`;
      for (const who of [OTHER, DEPT, DISTRICT]) {
        expectRefusal(await call(hub, { agent: A(who), path }), 404, "DOCUMENT_NOT_FOUND");
      }
      const own = await call(hub, { agent: A(COMMUNE), path });
      expect(own.status, own.text).toBe(200);
    }
    const unknown = await call(hub, {
      agent: A(OTHER),
      path: `/documents/doc_${"0".repeat(32)}/trace`,
    });
    expectRefusal(unknown, 404, "DOCUMENT_NOT_FOUND");
  });

  it("sent lists hold only one's own letters (and those of agencies one acts for)", async () => {
    expect((await sent(hub, A(COMMUNE))).map((d) => d.hubDocumentId)).toContain(
      toDept.hubDocumentId,
    );
    for (const who of [OTHER, DEPT, DISTRICT]) {
      expect((await sent(hub, A(who))).map((d) => d.hubDocumentId)).not.toContain(
        toDept.hubDocumentId,
      );
    }
  });
});

describe("who may call at all", () => {
  const endpoints: [method: string, path: string, body?: string][] = [
    ["GET", "/inbox"],
    ["GET", `/inbox/dlv_${"0".repeat(32)}/edxml`],
    ["POST", `/inbox/dlv_${"0".repeat(32)}/ack`, '{"result":"done"}'],
    ["POST", "/documents", "<edXML/>"],
    ["POST", "/statuses", "<edXML/>"],
    ["GET", "/documents"],
    ["GET", "/documents/x/trace"],
    ["GET", "/agencies"],
  ];

  it("no client certificate: 401 CLIENT_CERT_REQUIRED everywhere (the public /health aside)", async () => {
    for (const [method, path, body] of endpoints) {
      const r = await call(hub, { method, path, ...(body ? { body } : {}) });
      expectRefusal(r, 401, "CLIENT_CERT_REQUIRED");
    }
    expect((await call(hub, { path: "//health" })).status).toBe(200);
  });

  it("a certificate from another CA for a real OrganId: 401 CLIENT_CERT_UNTRUSTED", async () => {
    const rogue = await issueAgencyCertificate(await createDevPki(), {
      organId: DEPT,
      name: "giả",
    });
    const agent = { certPem: rogue.certificatePem, keyPem: rogue.privateKeyPem };
    for (const [method, path, body] of endpoints) {
      const r = await call(hub, { agent, method, path, ...(body ? { body } : {}) });
      expectRefusal(r, 401, "CLIENT_CERT_UNTRUSTED");
    }
  });

  it("an expired certificate of the hub's own CA: 401 CLIENT_CERT_UNTRUSTED", async () => {
    const old = await hub.issue(DEPT, {
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const r = await call(hub, { agent: old, path: "/inbox" });
    expect(expectRefusal(r, 401, "CLIENT_CERT_UNTRUSTED").message).toMatch(/expired/i);
  });

  it("a trusted certificate bound to no OrganId: 403 CLIENT_CERT_NOT_BOUND", async () => {
    const server = await issueHubCertificate(hub.pki, { name: "Máy chủ khác" });
    hub.pki = server.state;
    const agent = { certPem: server.certificatePem, keyPem: server.privateKeyPem };
    expectRefusal(await call(hub, { agent, path: "/inbox" }), 403, "CLIENT_CERT_NOT_BOUND");
  });
});

describe("malformed requests", () => {
  it("ids and parameters: JSON refusals, never a 500", async () => {
    const me = A(DEPT);
    const cases: [path: string, status: number, code: string][] = [
      ["/inbox/..%2F..%2Fhealth/edxml", 404, "DELIVERY_NOT_FOUND"],
      [`/inbox/${"9".repeat(8000)}/edxml`, 404, "DELIVERY_NOT_FOUND"],
      ["/inbox/%00%24where/edxml", 404, "DELIVERY_NOT_FOUND"],
      ["/documents/%7B%22%24ne%22%3Anull%7D/trace", 404, "DOCUMENT_NOT_FOUND"],
      ["/inbox?limit=abc", 400, "BAD_REQUEST"],
      ["/inbox?limit=0", 400, "BAD_REQUEST"],
      ["/inbox?limit=1&limit=2", 400, "BAD_REQUEST"],
      ["/inbox?state=everyone", 400, "BAD_REQUEST"],
      ["/documents?limit=1000000", 400, "BAD_REQUEST"],
      ["/agencies?at=yesterday", 400, "BAD_REQUEST"],
      ["/no/such/endpoint", 404, "NOT_FOUND"],
    ];
    for (const [path, status, code] of cases) {
      expectRefusal(await call(hub, { agent: me, path }), status, code);
    }
    expectRefusal(
      await call(hub, { agent: me, method: "DELETE", path: "/documents" }),
      404,
      "NOT_FOUND",
    );
  });

  it("acknowledgement bodies: bad JSON, a bad result, too large", async () => {
    const ack = (body: string, type = "application/json") =>
      call(hub, {
        agent: A(DEPT),
        method: "POST",
        path: `/inbox/${toDept.delivery.deliveryId}/ack`,
        body,
        headers: { "content-type": type },
      });
    expectRefusal(await ack("{result: done"), 400, "BAD_REQUEST");
    expectRefusal(await ack('{"result":"maybe"}'), 400, "BAD_REQUEST");
    expectRefusal(await ack('{"result":"done"}', "text/plain"), 400, "BAD_REQUEST");
    expectRefusal(
      await ack(JSON.stringify({ result: "fail", reason: "x".repeat(20_000) })),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expectRefusal(
      await ack(JSON.stringify({ result: "fail", reason: "x".repeat(1001) })),
      400,
      "BAD_REQUEST",
    );
  });

  it("the gateway still serves, and every refusal was logged with its code", async () => {
    await normalLetterGoesThrough(hub, A(COMMUNE), A(DEPT));
    for (const code of [
      "DELIVERY_NOT_FOUND",
      "DOCUMENT_NOT_FOUND",
      "CLIENT_CERT_REQUIRED",
      "CLIENT_CERT_UNTRUSTED",
      "CLIENT_CERT_NOT_BOUND",
      "BAD_REQUEST",
      "PAYLOAD_TOO_LARGE",
      "NOT_FOUND",
    ]) {
      await expectLogged(hub, code);
    }
  });
});
