import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bus } from "@edoc/bus";
import { demoNetwork, parseOrganId, toDirectoryJson } from "@edoc/directory";
import type { InboxItem } from "@edoc/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amqpUrl, waitUntil } from "../support/env.js";
import { type Agent, api, TestHub } from "../support/hub.js";
import { letterXml, sign, statusPacket } from "../support/letters.js";

// Federation, the outbound link (liên thông lên trục): two real hubs. `hub-a` (a province) has
// the other as its upstream (`axis`); a letter to an agency hub-a does not serve is forwarded
// there through the axis's VDXP listener, and a refusal there comes back as a return.
//
// Until the listener's peer-hub mode lands (F2), hub-a is registered at the axis as an ordinary
// VDXP system acting for the sending commune.
const COMMUNE = "000.20.30.H45"; // UBND Phường 1, served by hub-a
const MINISTRY = "000.00.00.G06"; // a ministry the axis serves; unknown to hub-a
const NOWHERE = "000.00.98.G06"; // nobody's

const axis = new TestHub({
  agencies: [MINISTRY],
  directory: toDirectoryJson([
    ...demoNetwork().agencies.map((a) => (a.id === COMMUNE ? { ...a, hub: "hub-a" } : a)),
    { id: parseOrganId(MINISTRY), name: "Bộ Nội vụ", tier: "central", validFrom: "2020-01-01" },
  ]),
  env: { EDOC_HUB_ID: "axis" },
});
let hubA: TestHub;
const A = (hub: TestHub, id: string): Agent => hub.agent(id);

interface Item {
  deliveryId: string;
  documentId: string;
  from: string;
  state: string;
}
interface Sent {
  documentId: string;
  recipients: { recipient: string; state: string; hub?: string; deliveryId?: string }[];
}

async function inbox(hub: TestHub, who: string): Promise<Item[]> {
  const r = await api(hub, A(hub, who), "GET", "/inbox?state=all");
  expect(r.status).toBe(200);
  return (r.json() as { items: Item[] }).items;
}

async function sent(documentId: string): Promise<Sent | undefined> {
  const r = await api(hubA, A(hubA, COMMUNE), "GET", "/documents?limit=100");
  expect(r.status).toBe(200);
  return (r.json() as { documents: Sent[] }).documents.find((d) => d.documentId === documentId);
}

interface TraceEventView {
  type: string;
  data?: Record<string, unknown>;
}

/** hub-a's trace of the commune's letter, as its sender reads it. */
async function traceAtHubA(
  documentId: string,
): Promise<{ recipients: { hub?: string; events: TraceEventView[] }[] }> {
  const r = await api(
    hubA,
    A(hubA, COMMUNE),
    "GET",
    `/documents/${encodeURIComponent(documentId)}/trace`,
  );
  expect(r.status).toBe(200);
  return r.json() as { recipients: { hub?: string; events: TraceEventView[] }[] };
}

/** The commune's letter, sent to hub-a's native API; returns its DocumentId and bytes. */
async function send(
  to: string[],
  o: Parameters<typeof letterXml>[2] = {},
): Promise<{ documentId: string; bytes: Buffer }> {
  const { xml, documentId } = letterXml(COMMUNE, to, o);
  const bytes = sign(A(hubA, COMMUNE), xml);
  const r = await api(hubA, A(hubA, COMMUNE), "POST", "/documents", bytes);
  expect(r.status, r.body.toString()).toBeLessThan(300);
  return { documentId, bytes };
}

beforeAll(async () => {
  await axis.start();
  const secret = axis.addSystem("hub-a", [COMMUNE], ["--name", "Trục tỉnh A"]);
  // One trust chain for both hubs (the national PKI); serial numbers kept apart.
  hubA = new TestHub({
    agencies: [COMMUNE],
    pkiState: { ...axis.pki, nextSerial: axis.pki.nextSerial + 1000 },
    env: {
      EDOC_HUB_ID: "hub-a",
      EDOC_UPSTREAM_URL: axis.vdxpUrl,
      EDOC_UPSTREAM_SYSTEM_ID: "hub-a",
      EDOC_UPSTREAM_SECRET_FILE: join(axis.dir, "hub-a.secret"),
      EDOC_UPSTREAM_CA: join(axis.dir, "chain.pem"),
      EDOC_UPSTREAM_POLL_MS: "300",
    },
  });
  writeFileSync(join(axis.dir, "hub-a.secret"), `${secret}\n`, { mode: 0o600 });
  await hubA.start();
}, 180_000);
afterAll(async () => {
  await hubA?.stop();
  await axis.stop();
});

describe("upstream forwarding between two real hubs", () => {
  it("forwards a letter for an agency hub-a does not serve; the axis's agency gets it byte for byte", async () => {
    const { documentId, bytes } = await send([MINISTRY]);

    const items = await waitUntil("the ministry's inbox at the axis", async () => {
      const xs = await inbox(axis, MINISTRY);
      return xs.some((x) => x.documentId === documentId) ? xs : undefined;
    });
    const item = items.find((x) => x.documentId === documentId)!;
    expect(item.from).toBe(COMMUNE);
    const got = await api(axis, A(axis, MINISTRY), "GET", `/inbox/${item.deliveryId}/edxml`);
    expect(got.status).toBe(200);
    expect(got.body.equals(bytes)).toBe(true);

    // hub-a: the delivery went to the upstream, attested by a signed `forwarded` receipt that
    // names the axis's own document id.
    const mine = await waitUntil("hub-a's forward settled", async () => {
      const d = await sent(documentId);
      return d?.recipients[0]?.state === "acknowledged" ? d : undefined;
    });
    expect(mine.recipients).toEqual([
      expect.objectContaining({ recipient: MINISTRY, state: "acknowledged", hub: "upstream" }),
    ]);
    const t = await traceAtHubA(documentId);
    const forwarded = t.recipients[0]?.events.find((e) => e.type === "forwarded");
    expect(t.recipients[0]?.hub).toBe("upstream");
    expect(forwarded?.data).toMatchObject({
      hub: "upstream",
      remoteReceipt: expect.stringMatching(/^doc_/),
    });
    expect(t.recipients[0]?.events.map((e) => e.type)).toEqual([
      "routed",
      "available",
      "fetched",
      "forwarded",
    ]);
  });

  it("a recipient the upstream does not know either comes back as a return, with its code", async () => {
    const { documentId } = await send([NOWHERE]);
    const mine = await waitUntil("hub-a's return", async () => {
      const d = await sent(documentId);
      return d?.recipients[0]?.state === "returned" ? d : undefined;
    });
    expect(mine.recipients).toEqual([
      expect.objectContaining({ recipient: NOWHERE, state: "returned", hub: "upstream" }),
    ]);
    const t = await traceAtHubA(documentId);
    const returned = t.recipients[0]?.events.find((e) => e.type === "returned");
    expect(returned?.data).toMatchObject({ addressedTo: NOWHERE, reason: "RECIPIENT_UNKNOWN" });
  });

  it("a revoke follows its letter upstream and withdraws it there before it is fetched", async () => {
    const { documentId } = await send([MINISTRY]);
    await waitUntil("the letter at the axis", async () =>
      (await inbox(axis, MINISTRY)).find((x) => x.documentId === documentId),
    );
    await send([MINISTRY], { docType: "revoke", documentId });
    const withdrawn = await waitUntil("the axis withdrew it", async () => {
      const xs = await inbox(axis, MINISTRY);
      const original = xs.find((x) => x.documentId === documentId && x.state === "withdrawn");
      const revoke = xs.find((x) => x.documentId === documentId && x.state !== "withdrawn");
      return original && revoke ? { original, revoke } : undefined;
    });
    expect(withdrawn.revoke.from).toBe(COMMUNE);
  });

  it("at the upstream, the recipient's status goes back toward the sender's hub", async () => {
    const { documentId } = await send([MINISTRY]);
    const item = await waitUntil("the letter at the axis", async () =>
      (await inbox(axis, MINISTRY)).find((x) => x.documentId === documentId),
    );
    expect(
      (await api(axis, A(axis, MINISTRY), "GET", `/inbox/${item.deliveryId}/edxml`)).status,
    ).toBe(200);
    const r = await api(
      axis,
      A(axis, MINISTRY),
      "POST",
      "/statuses",
      statusPacket(A(axis, MINISTRY), COMMUNE, documentId, "03"),
    );
    expect(r.status, r.body.toString()).toBeLessThan(300);
    // The axis's directory says hub-a serves the commune: a delivery for hub-a's link, which
    // pulls it from the axis's listener (F2). Asked the way that listener asks its archive.
    const bus = await Bus.connect({ url: amqpUrl, prefix: axis.prefix, initialRetries: 2 });
    try {
      const back = await waitUntil("the status for hub-a", async () => {
        const list = (await bus.call("archive.rpc", "inbox.list", {
          actingFor: [],
          hubs: ["hub-a"],
          state: "pending",
          oldestFirst: true,
        })) as { items: InboxItem[] };
        return list.items.find((x) => x.kind === "status" && x.documentId === documentId);
      });
      expect(back).toMatchObject({
        recipient: COMMUNE,
        hub: "hub-a",
        statusCode: "03",
        from: MINISTRY,
      });
    } finally {
      await bus.close();
    }
  });

  it("the upstream down for a while: letters wait, then arrive once each", async () => {
    await axis.stopService("gateway");
    const letters: string[] = [];
    for (let i = 0; i < 5; i++) letters.push((await send([MINISTRY])).documentId);
    // The link keeps trying: nothing is returned, nothing is lost, while the axis is down.
    await new Promise((r) => setTimeout(r, 2500));
    for (const id of letters) {
      const d = await sent(id);
      expect(["available", "fetched"]).toContain(d?.recipients[0]?.state);
    }
    axis.startService("gateway");
    await axis.waitHealthy();

    const items = await waitUntil(
      "every letter at the axis",
      async () => {
        const xs = await inbox(axis, MINISTRY);
        return letters.every((id) => xs.some((x) => x.documentId === id)) ? xs : undefined;
      },
      90_000,
    );
    for (const id of letters) {
      expect(items.filter((x) => x.documentId === id)).toHaveLength(1);
    }
    await waitUntil(
      "hub-a's forwards settled",
      async () => {
        const states = await Promise.all(
          letters.map(async (id) => (await sent(id))?.recipients[0]?.state),
        );
        return states.every((s) => s === "acknowledged") ? states : undefined;
      },
      30_000,
    );
  }, 150_000);

  it("a forwarder killed after fetching, before its ack, resends on restart: delivered once", async () => {
    await axis.stopService("gateway");
    const { documentId } = await send([MINISTRY]);
    // The link fetched it and failed to reach the axis: fetched, not acked.
    await waitUntil("hub-a fetched it", async () =>
      (await sent(documentId))?.recipients[0]?.state === "fetched" ? true : undefined,
    );
    await hubA.kill("router");
    axis.startService("gateway");
    await axis.waitHealthy();
    hubA.startService("router");
    const items = await waitUntil(
      "the letter at the axis",
      async () => {
        const xs = await inbox(axis, MINISTRY);
        return xs.some((x) => x.documentId === documentId) ? xs : undefined;
      },
      60_000,
    );
    expect(items.filter((x) => x.documentId === documentId)).toHaveLength(1);
    await waitUntil("hub-a's forward settled", async () =>
      (await sent(documentId))?.recipients[0]?.state === "acknowledged" ? true : undefined,
    );
  }, 120_000);
});
