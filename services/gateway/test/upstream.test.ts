import { createLogger } from "@edoc/runtime";
import { VdxpClient } from "@edoc/vdxp-client";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../../../tests/support/env.js";
import { TestHub } from "../../../tests/support/hub.js";
import { letterXml, sign } from "../../../tests/support/letters.js";
import type { SubmitDeps } from "../src/submit.js";
import { UpstreamPuller } from "../src/upstream/puller.js";

// The puller's own refusals, against a real upstream hub's VDXP listener: a packet whose trace
// says it already passed a hub with this hub's id (a loop), or made too many hops, is refused
// before anything is verified or stored here, and the upstream is told `fail` with the code.
const X = "000.20.30.H45";
const S = "000.00.02.H45";

const upstream = new TestHub({
  agencies: [S],
  env: { EDOC_HUB_ID: "axis", EDOC_VDXP_SYSTEM_CACHE_MS: "300" },
});
let link: VdxpClient;
let senders: VdxpClient;

/** Nothing may reach the local accept path in these cases: any use of it fails the test. */
const noLocalAccept: SubmitDeps = {
  bus: new Proxy({} as SubmitDeps["bus"], {
    get() {
      throw new Error("the local accept path was used");
    },
  }),
  directory: () => {
    throw new Error("the local accept path was used");
  },
  trust: () => {
    throw new Error("the local accept path was used");
  },
  signReceipt: () => Promise.reject(new Error("the local accept path was used")),
};

function puller(hubId: string, hopLimit: number): UpstreamPuller {
  return new UpstreamPuller({
    upstream: link,
    submit: noLocalAccept,
    hubId,
    hopLimit,
    pollMs: 60_000,
    log: createLogger("gateway-test", "silent"),
    metrics: new Registry(),
  });
}

async function letterWaiting(): Promise<{ docId: string; hubDocId: string }> {
  const { xml, documentId } = letterXml(S, [X]);
  const sent = await senders.sendEdoc(S, sign(upstream.agent(S), xml));
  const item = await waitUntil("the letter in the peer's list", async () =>
    (await link.getReceivedEdocList("edoc")).find((i) => i.documentId === documentId),
  );
  return { docId: item.docId, hubDocId: sent };
}

/** The upstream's state of the sender's delivery to X of hub document `hubDocId`. */
async function stateAtUpstream(hubDocId: string): Promise<string | undefined> {
  const rows = await senders.getSentEdocList(hubDocId);
  return rows.find((r) => r.toCode === X)?.receiveStatus;
}

beforeAll(async () => {
  await upstream.start();
  senders = new VdxpClient({
    endpoint: upstream.vdxpUrl,
    systemId: "vxp.s",
    secret: upstream.addSystem("vxp.s", [S]),
    ca: upstream.chainPem,
  });
  link = new VdxpClient({
    endpoint: upstream.vdxpUrl,
    systemId: "hub-a",
    secret: upstream.addSystem("hub-a", [X], ["--peer-hub"]),
    ca: upstream.chainPem,
  });
}, 120_000);
afterAll(async () => {
  await upstream.stop();
});

describe("upstream puller: hop checks against a real upstream", () => {
  it("refuses a loop (its own id already in the trace): fail upstream, with the code", async () => {
    const { docId, hubDocId } = await letterWaiting();
    // A hub that shares the upstream's id: the upstream's own entry is a loop for it.
    expect(await puller("axis", 8).take(docId, "edoc", S)).toBe("refused");
    expect(await stateAtUpstream(hubDocId)).toBe("failed");
    expect((await link.getReceivedEdocList("edoc")).some((i) => i.docId === docId)).toBe(false);
  });

  it("refuses a packet that made hopLimit hops already", async () => {
    const { docId, hubDocId } = await letterWaiting();
    expect(await puller("hub-a", 1).take(docId, "edoc", S)).toBe("refused");
    expect(await stateAtUpstream(hubDocId)).toBe("failed");
  });

  it("an upstream that refuses the link (wrong secret) is an error: nothing acknowledged", async () => {
    const { docId } = await letterWaiting();
    const wrong = new UpstreamPuller({
      upstream: new VdxpClient({
        endpoint: upstream.vdxpUrl,
        systemId: "hub-a",
        secret: "0".repeat(64),
        ca: upstream.chainPem,
      }),
      submit: noLocalAccept,
      hubId: "hub-a",
      hopLimit: 8,
      pollMs: 60_000,
      log: createLogger("gateway-test", "silent"),
      metrics: new Registry(),
    });
    await expect(wrong.pullOnce()).rejects.toThrow(/AUTH_INVALID|11/);
    expect((await link.getReceivedEdocList("edoc")).some((i) => i.docId === docId)).toBe(true);
  });
});
