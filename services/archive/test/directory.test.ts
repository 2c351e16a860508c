import { Bus } from "@edoc/bus";
import { type Agency, applyEdit, Directory, demoNetwork, type OrganId } from "@edoc/directory";
import type { DirectoryAgency } from "@edoc/messages";
import { canonicalJson, sha256Hex, verifyChain } from "@edoc/receipts";
import { createLogger, LiveDirectory } from "@edoc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Archive, createArchive } from "../src/archive.js";
import { collections } from "../src/collections.js";
import { DirectoryVersions } from "../src/directory-store.js";
import { toReceipt } from "../src/ledger.js";
import { amqpUrl, type Harness, rpcError, startHarness, waitFor } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({});
});
afterAll(async () => {
  await h.close();
});

const commune = (id: string, name = `Xã ${id}`): DirectoryAgency => ({
  id,
  name,
  tier: "commune",
  parent: "000.00.30.H45",
  validFrom: "2026-01-01",
});

async function receipts() {
  const docs = await collections(h.store.db).receipts.find({}).sort({ seq: 1 }).toArray();
  return docs.map(toReceipt);
}

describe("the directory in the archive", () => {
  it("is seeded once from the configured set, as version 1 with its receipt", async () => {
    const snap = await h.rpc("directory.snapshot", {});
    expect(snap.version).toBe(1);
    expect(snap.agencies?.length).toBe(demoNetwork().agencies.length);
    expect(snap.digest).toBe(sha256Hex(canonicalJson(snap.agencies)));
    const [seed] = (await h.rpc("directory.history", {})).changes;
    expect(seed).toMatchObject({ version: 1, op: "seed", actor: "hub", source: "demo network" });
    expect(seed?.receiptId).toMatch(/.+/);
  });

  it("applies a change as the next version, attests it and broadcasts it; a retry changes nothing", async () => {
    const heard: unknown[] = [];
    const listener = await Bus.connect({ url: amqpUrl, prefix: h.prefix, deliveryLimit: 3 });
    try {
      await listener.subscribe("directory.changed", async (m) => {
        heard.push(m.json());
      });
      const add = { change: { op: "add", agency: commune("000.24.30.H45") }, actor: "lan" };
      const first = await h.rpc("directory.change", add);
      expect(first).toMatchObject({ outcome: "changed", version: 2 });
      expect(first.record).toMatchObject({ op: "add", actor: "lan", added: ["000.24.30.H45"] });
      await waitFor(() => (heard.length > 0 ? heard : undefined));
      expect(heard[0]).toMatchObject({ version: 2 });
      const again = await h.rpc("directory.change", add);
      expect(again).toMatchObject({ outcome: "unchanged", version: 2 });
    } finally {
      await listener.close();
    }
    const chain = await receipts();
    const mine = chain.find((r) => r.hubDocumentId === "directory-v2");
    expect(mine).toMatchObject({
      type: "directory-changed",
      organId: "000.24.30.H45",
      data: { version: 2, op: "add", actor: "lan", added: 1, ids: "000.24.30.H45" },
    });
    const snap = await h.rpc("directory.snapshot", {});
    expect(mine?.digest).toBe(snap.digest);
    expect(verifyChain(chain).ok).toBe(true);
  });

  it("closes an agency with a successor on the given day", async () => {
    const r = await h.rpc("directory.change", {
      change: {
        op: "close",
        id: "000.22.30.H45",
        validTo: "2026-02-01",
        successor: "000.20.30.H45",
      },
      actor: "lan",
    });
    expect(r.record.changed).toEqual(["000.22.30.H45"]);
    const snap = await h.rpc("directory.snapshot", {});
    expect(snap.agencies?.find((a) => a.id === "000.22.30.H45")).toMatchObject({
      validTo: "2026-02-01",
      successor: "000.20.30.H45",
    });
    expect(await h.rpc("directory.snapshot", { after: snap.version })).not.toHaveProperty(
      "agencies",
    );
    const history = await h.rpc("directory.history", { id: "000.22.30.H45" });
    expect(history.changes.map((c) => c.op)).toEqual(["close", "seed"]);
  });

  it("refuses a change the directory could not load, and a stale expected version", async () => {
    const orphan = { ...commune("000.25.30.H45"), parent: "000.00.39.H45" };
    const bad = await rpcError(
      h.rpc("directory.change", { change: { op: "add", agency: orphan }, actor: "lan" }),
    );
    expect([bad.code, bad.status]).toEqual(["DIRECTORY_INVALID", 422]);
    const stale = await rpcError(
      h.rpc("directory.change", {
        change: { op: "add", agency: commune("000.25.30.H45") },
        actor: "lan",
        expectedVersion: 1,
      }),
    );
    expect([stale.code, stale.status]).toEqual(["DIRECTORY_CONFLICT", 409]);
    const malformed = await rpcError(
      h.rpc("directory.change", { change: { op: "move", id: "000.22.30.H45" }, actor: "lan" }),
    );
    expect(malformed.code).toBe("RPC_BAD_REQUEST");
  });

  it("with two archives on one database: no second seed, and concurrent changes get consecutive versions", async () => {
    const log = createLogger("archive", "silent");
    const bus = await Bus.connect({
      url: amqpUrl,
      prefix: h.prefix,
      logger: log,
      deliveryLimit: 3,
    });
    let second: Archive | undefined;
    try {
      second = await createArchive({ store: h.store, bus, log });
      await second.start();
      const before = (await h.rpc("directory.snapshot", { after: 1_000 })).version;
      const ids = ["000.26.30.H45", "000.27.30.H45", "000.28.30.H45", "000.29.30.H45"];
      const results = await Promise.all(
        ids.map((id) =>
          h.rpc("directory.change", { change: { op: "add", agency: commune(id) }, actor: "lan" }),
        ),
      );
      expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4].map((n) => before + n));
      const snap = await h.rpc("directory.snapshot", {});
      for (const id of ids) expect(snap.agencies?.some((a) => a.id === id)).toBe(true);
      const seeds = (await h.rpc("directory.history", { limit: 1000 })).changes.filter(
        (c) => c.op === "seed",
      );
      expect(seeds).toHaveLength(1);
      expect(verifyChain(await receipts()).ok).toBe(true);
    } finally {
      await second?.stop();
      await bus.close();
    }
  });

  it("a service's LiveDirectory swaps on the broadcast, and finds a version whose broadcast was lost by its periodic check", async () => {
    const log = createLogger("router", "silent");
    const bus = await Bus.connect({
      url: amqpUrl,
      prefix: h.prefix,
      logger: log,
      deliveryLimit: 3,
    });
    const live = new LiveDirectory({
      bus,
      log,
      initial: Directory.fromAgencies(demoNetwork().agencies),
      checkMs: 300,
    });
    try {
      await live.start();
      const start = (await h.rpc("directory.snapshot", { after: 1_000 })).version;
      expect(live.version).toBe(start);
      const before = live.current();
      await h.rpc("directory.change", {
        change: { op: "add", agency: commune("000.30.30.H45") },
        actor: "lan",
      });
      await waitFor(() => (live.version === start + 1 ? true : undefined));
      expect(live.current().get("000.30.30.H45" as OrganId)?.tier).toBe("commune");
      // The old snapshot is untouched: readers holding it finish with what they started.
      expect(before.get("000.30.30.H45" as OrganId)).toBeUndefined();

      // A version committed by an archive that died before broadcasting it.
      const versions = new DirectoryVersions(collections(h.store.db).directoryVersions);
      const head = await versions.head();
      const result = applyEdit(head?.agencies ?? [], {
        op: "add",
        agency: commune("000.31.30.H45") as Agency,
      });
      expect(
        await versions.insert({
          _id: start + 2,
          op: "add",
          actor: "lan",
          at: new Date().toISOString(),
          added: result.added,
          changed: [],
          removed: [],
          digest: sha256Hex(canonicalJson(result.agencies)),
          agencies: result.agencies,
        }),
      ).toBe(true);
      await waitFor(() => (live.version === start + 2 ? true : undefined), 5_000);
      expect(live.current().get("000.31.30.H45" as OrganId)).toBeDefined();
    } finally {
      live.stop();
      await bus.close();
    }
  });
});
