import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Agency, demoNetwork } from "@edoc/directory";
import { encodeTrace } from "@edoc/federation";
import type { HopTrace } from "@edoc/messages";
import { VdxpClient, VdxpFailure } from "@edoc/vdxp-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../support/env.js";
import { TestHub } from "../support/hub.js";
import { letterXml, sign, statusPacket } from "../support/letters.js";

// Two hubs on real processes: B is the upstream (the axis), A a provincial hub registered at B
// as the peer-hub system `hub-a`. A's puller takes what B holds for A's agencies through B's
// VDXP listener, verifies it like any letter and delivers it locally.
const X = "000.20.30.H45"; // UBND Phường 1: served by hub A
const S = "000.00.02.H45"; // Sở Nội vụ: served by B
const L = "000.00.03.H45"; // Sở Tài chính: B's, but A claims it too (a misconfigured pair)
const R = "000.00.04.H45"; // Sở KH&CN: B's; its certificate revoked at A only
const Z = "000.00.00.G09"; // a ministry only B knows: A learns it by directory sync
const Z2 = "000.00.00.G10"; // added at B while A runs: learned on demand

/** The demo network, with `hub` set on some agencies and extra ones. */
function directoryWith(hubs: Record<string, string>, extra: Agency[] = []) {
  const d = demoNetwork();
  return {
    ...d,
    agencies: [...d.agencies.map((a) => (hubs[a.id] ? { ...a, hub: hubs[a.id] } : a)), ...extra],
  };
}

const B = new TestHub({
  agencies: [S, L, R],
  directory: directoryWith({ [X]: "hub-a" }, [
    { id: Z as Agency["id"], name: "Bộ Thử nghiệm", tier: "central", validFrom: "2020-01-01" },
  ]),
  env: { EDOC_HUB_ID: "axis", EDOC_VDXP_SYSTEM_CACHE_MS: "300" },
});
let A: TestHub;
let axisAsA: VdxpClient; // hub A's system at B, driven by the test itself
let senders: VdxpClient; // B's agencies' system
let xAtA: VdxpClient; // X's system at A
let firstLetter: { bytes: Buffer; documentId: string; trace: HopTrace };

function client(hub: TestHub, systemId: string, secret: string): VdxpClient {
  return new VdxpClient({ endpoint: hub.vdxpUrl, systemId, secret, ca: hub.chainPem });
}

async function failOf(p: Promise<unknown>): Promise<VdxpFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VdxpFailure) return err;
    throw err;
  }
  throw new Error("expected a FAIL envelope, got OK");
}

/** Sends a letter from `from` (a B agency) to X at B; returns its bytes and DocumentId. */
async function sendAtB(from: string, attachmentBytes?: number) {
  const { xml, documentId } = letterXml(from, [X], attachmentBytes ? { attachmentBytes } : {});
  const bytes = sign(B.agent(from), xml);
  const docId = await senders.sendEdoc(from, bytes);
  return { bytes, documentId, docId };
}

beforeAll(async () => {
  await B.start();
  senders = client(B, "vxp.b", B.addSystem("vxp.b", [S, L, R]));
  // Before F1's routing, B delivers to X as a local mailbox: the peer system holds it too.
  const secret = B.addSystem("hub-a", [X], ["--peer-hub"]);
  axisAsA = client(B, "hub-a", secret);

  // The first letter is waiting at B before A exists: its getEdoc shows B's hop entry.
  const { bytes, documentId } = await sendAtB(S);
  const item = await waitUntil("the letter in hub-a's list at B", async () =>
    (await axisAsA.getReceivedEdocList("edoc")).find((i) => i.documentId === documentId),
  );
  const got = await axisAsA.getEdocTraced(item.docId);
  expect(got.bytes.equals(bytes)).toBe(true);
  if (!got.trace.ok) throw new Error(got.trace.message);
  firstLetter = { bytes, documentId, trace: got.trace.trace };

  const secretFile = join(B.dir, "hub-a.secret");
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  A = new TestHub({
    agencies: [X],
    pkiState: { ...B.pki, nextSerial: B.pki.nextSerial + 1000 },
    directory: directoryWith({ [S]: "upstream", [R]: "upstream" }),
    env: {
      EDOC_HUB_ID: "hub-a",
      EDOC_UPSTREAM_URL: `https://localhost:${B.vdxpPort}`,
      EDOC_UPSTREAM_SYSTEM_ID: "hub-a",
      EDOC_UPSTREAM_SECRET_FILE: secretFile,
      EDOC_UPSTREAM_CA: join(B.dir, "chain.pem"),
      EDOC_UPSTREAM_POLL_MS: "300",
      EDOC_UPSTREAM_SYNC_MS: "3600000", // at start, then hourly
    },
  });
  await A.start();
  xAtA = client(A, "vxp.x", A.addSystem("vxp.x", [X]));
}, 180_000);

afterAll(async () => {
  await A?.stop();
  await B.stop();
});

describe("upstream link: a downstream hub pulls from its upstream's VDXP listener", () => {
  it("B's getEdoc gives a peer hub the hop trace with B's own entry", () => {
    expect(firstLetter.trace).toHaveLength(1);
    expect(firstLetter.trace[0]).toMatchObject({ hub: "axis" });
    expect(Date.parse(firstLetter.trace[0]?.at ?? "")).toBeGreaterThan(Date.now() - 300_000);
  });

  it("A pulls the letter, verifies it, delivers it byte for byte; B sees it acknowledged", async () => {
    const item = await waitUntil("the letter in X's list at A", async () =>
      (await xAtA.getReceivedEdocList("edoc")).find((i) => i.documentId === firstLetter.documentId),
    );
    expect(item).toMatchObject({ from: S, to: X, messageType: "edoc" });
    expect((await xAtA.getEdoc(item.docId)).equals(firstLetter.bytes)).toBe(true);
    // B's record: taken by hub A (acknowledged done), nothing left in hub-a's list.
    const row = await waitUntil("B's sent row acknowledged", async () => {
      const r = (await senders.getSentEdocList()).find(
        (x) => x.toCode === X && x.receiveStatus === "acknowledged",
      );
      return r;
    });
    expect(row.fromCode).toBe(S);
    await waitUntil("hub-a's list at B empty of it", async () =>
      (await axisAsA.getReceivedEdocList("edoc")).some(
        (i) => i.documentId === firstLetter.documentId,
      )
        ? undefined
        : true,
    );
  });

  it("X's status 03 travels back up to S at B through A's forwarder (F1)", async () => {
    const status = statusPacket(A.agent(X), S, firstLetter.documentId, "03");
    await xAtA.sendEdoc(X, status, "status");
    const item = await waitUntil("the status in S's list at B", async () =>
      (await senders.getReceivedEdocList("status")).find(
        (i) => i.documentId === firstLetter.documentId && i.statusCode === "03",
      ),
    );
    expect(item.from).toBe(X);
    expect((await senders.getEdoc(item.docId)).equals(status)).toBe(true);
    await senders.updateStatus(item.docId, "done");
  });

  it("a second letter while A runs is pulled too, exactly once", async () => {
    const { bytes, documentId } = await sendAtB(S);
    const item = await waitUntil("the second letter at A", async () =>
      (await xAtA.getReceivedEdocList("edoc")).find((i) => i.documentId === documentId),
    );
    expect((await xAtA.getEdoc(item.docId)).equals(bytes)).toBe(true);
    await xAtA.updateStatus(item.docId, "done");
    const again = (await xAtA.getReceivedEdocList("edoc")).filter(
      (i) => i.documentId === documentId,
    );
    expect(again).toEqual([]);
  });

  it("a large letter (3 MiB: spooled, handed over in chunks) is pulled byte for byte", async () => {
    const { bytes, documentId } = await sendAtB(S, 3 * 1024 * 1024);
    const item = await waitUntil("the large letter at A", async () =>
      (await xAtA.getReceivedEdocList("edoc")).find((i) => i.documentId === documentId),
    );
    expect((await xAtA.downloadEdoc(item.docId)).equals(bytes)).toBe(true);
    await xAtA.updateStatus(item.docId, "done");
  });

  it("the link refused for a while (hub-a disabled at B): nothing lost, the letter arrives after", async () => {
    const pullErrors = async () => {
      const m = await (await fetch(`http://127.0.0.1:${A.opsPort}/metrics`)).text();
      return Number(
        /edoc_upstream_pulled_total\{[^}]*outcome="error"[^}]*\} (\d+)/.exec(m)?.[1] ?? 0,
      );
    };
    const errorsBefore = await pullErrors();
    B.edocSystem(["disable", "hub-a"]);
    let sent: Awaited<ReturnType<typeof sendAtB>>;
    try {
      sent = await sendAtB(S);
      const id = sent.documentId;
      await waitUntil("A's puller failing", async () =>
        (await pullErrors()) > errorsBefore ? true : undefined,
      );
      expect((await xAtA.getReceivedEdocList("edoc")).some((i) => i.documentId === id)).toBe(false);
    } finally {
      B.edocSystem(["enable", "hub-a"]);
    }
    const { bytes, documentId } = sent;
    const item = await waitUntil(
      "the letter at A once the link is back",
      async () => (await xAtA.getReceivedEdocList("edoc")).find((i) => i.documentId === documentId),
      60_000,
    );
    expect((await xAtA.getEdoc(item.docId)).equals(bytes)).toBe(true);
    await xAtA.updateStatus(item.docId, "done");
  });

  it("A refuses a letter of an agency it serves itself: B sees the delivery failed", async () => {
    const { documentId } = await sendAtB(L);
    const row = await waitUntil("B's row of L's letter settled", async () => {
      const rows = await senders.getSentEdocList();
      return rows.find(
        (r) => r.fromCode === L && r.toCode === X && /failed|returned/.test(r.receiveStatus),
      );
    });
    expect(row.receiveStatus).toMatch(/failed|returned/);
    expect((await xAtA.getReceivedEdocList("edoc")).some((i) => i.documentId === documentId)).toBe(
      false,
    );
  });

  it("a signature A does not trust (revoked at A) is refused there, nothing stored at A", async () => {
    await A.revoke(B.agent(R));
    A.signal("gateway", "SIGHUP");
    // Let the reload land before the letter is offered.
    await new Promise((r) => setTimeout(r, 1500));
    const { documentId } = await sendAtB(R);
    await waitUntil("B's row of R's letter settled", async () => {
      const rows = await senders.getSentEdocList();
      return rows.find(
        (r) => r.fromCode === R && r.toCode === X && /failed|returned/.test(r.receiveStatus),
      );
    });
    expect((await xAtA.getReceivedEdocList("edoc")).some((i) => i.documentId === documentId)).toBe(
      false,
    );
  });
});

describe("B's listener: what a peer hub sends", () => {
  it("accepts a letter of the peer's agency with its trace, delivers it to B's agency", async () => {
    const { xml, documentId } = letterXml(X, [S]);
    const bytes = sign(A.agent(X), xml);
    const trace = [{ hub: "hub-a", at: new Date().toISOString() }];
    const docId = await axisAsA.sendEdoc(X, bytes, "edoc", trace);
    expect(docId).toMatch(/^doc_/);
    const item = await waitUntil("the letter in S's list at B", async () =>
      (await senders.getReceivedEdocList("edoc")).find((i) => i.documentId === documentId),
    );
    expect((await senders.getEdoc(item.docId)).equals(bytes)).toBe(true);
  });

  it("refuses a hop loop and a packet past the hop limit (ErrorCode 37), a bad trace (39)", async () => {
    const { xml } = letterXml(X, [S]);
    const bytes = sign(A.agent(X), xml);
    const at = new Date().toISOString();
    const loop = await failOf(
      axisAsA.sendEdoc(X, bytes, "edoc", [
        { hub: "hub-a", at },
        { hub: "axis", at },
      ]),
    );
    expect(loop.errorCode).toBe("37");
    expect(loop.edocCode).toBe("HOP_LOOP");
    expect(loop.envelope.ErrorDesc).toMatch(/^HOP_LOOP: hub axis already carried it/);
    const long = Array.from({ length: 8 }, (_, i) => ({ hub: `h${i}`, at }));
    const limit = await failOf(axisAsA.sendEdoc(X, bytes, "edoc", long));
    expect([limit.errorCode, limit.edocCode]).toEqual(["37", "HOP_LIMIT_EXCEEDED"]);
    const bad = await axisAsA.envelope("sendEdoc", {
      params: { from: X, servicetype: "eDoc", messagetype: "edoc" },
      body: bytes,
      contentType: "application/octet-stream",
      headers: { "x-edoc-trace": encodeTrace([]).concat("!") },
    });
    expect([bad.ErrorCode, bad.edocCode]).toEqual(["39", "TRACE_INVALID"]);
  });

  it("refuses a peer sending in the name of B's own agency (ErrorCode 38)", async () => {
    const { xml } = letterXml(S, [X]);
    const bytes = sign(B.agent(S), xml);
    const f = await failOf(axisAsA.sendEdoc(S, bytes, "edoc", []));
    expect([f.errorCode, f.edocCode]).toEqual(["38", "SENDER_NOT_REMOTE"]);
  });
});

describe("directory sync from the upstream", () => {
  type Report = {
    dryRun: boolean;
    edits: { op: string; agency: Agency }[];
    keptLocal: string[];
    applied: number;
    refused: unknown[];
  };
  const sync = (...args: string[]) =>
    JSON.parse(A.edoc(["directory", "sync", "--json", ...args])) as Report;

  it("A's gateway synced at start: the agency only B knows is in A's directory, hub upstream", async () => {
    const shown = await waitUntil("Z in A's directory", async () => {
      try {
        return A.edoc(["directory", "show", Z, "--json"]);
      } catch {
        return undefined;
      }
    });
    expect(shown).toContain('"hub": "upstream"');
    expect(shown).toContain("Bộ Thử nghiệm");
    const m = await (await fetch(`http://127.0.0.1:${A.opsPort}/metrics`)).text();
    expect(m).toMatch(/edoc_upstream_directory_sync_total\{[^}]*outcome="ok"[^}]*\} [1-9]/);
  });

  it("edoc directory sync: dry-run shows the plan, apply adds what B added since, local entries win", () => {
    B.edoc(["directory", "add", Z2, "--name", "Bộ Mới", "--tier", "central", "--actor", "test"]);
    const dry = sync("--dry-run");
    expect(dry.dryRun).toBe(true);
    expect(dry.applied).toBe(0);
    expect(dry.edits).toEqual([
      { op: "add", agency: expect.objectContaining({ id: Z2, hub: "upstream", name: "Bộ Mới" }) },
    ]);
    expect(dry.keptLocal).toContain(X);
    expect(() => A.edoc(["directory", "show", Z2, "--json"])).toThrow();

    const applied = sync();
    expect([applied.applied, applied.refused]).toEqual([1, []]);
    expect(A.edoc(["directory", "show", Z2, "--json"])).toContain('"hub": "upstream"');
    expect(sync("--dry-run").edits).toEqual([]);
  });
});
