import { Bus } from "@edoc/bus";
import type { AcceptResult, InboxItem } from "@edoc/messages";
import { type Receipt, verifyChain } from "@edoc/receipts";
import { createLogger } from "@edoc/runtime";
import { connectStore, type Store } from "@edoc/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Archive, createArchive } from "../src/archive.js";
import { toReceipt } from "../src/ledger.js";
import {
  amqpUrl,
  type Harness,
  letter,
  mongoUrl,
  ORG,
  planFor,
  rpcError,
  startHarness,
  waitFor,
} from "./harness.js";

// Two archive instances on one database and one bus prefix: RPCs and plans are served by
// whichever takes them (the broker hands them out in turn).
let h: Harness;
let second: { store: Store; bus: Bus; archive: Archive };

beforeAll(async () => {
  h = await startHarness({ reconcileMs: 60_000 });
  const store = await connectStore({ url: mongoUrl, dbName: h.store.db.databaseName });
  const log = createLogger("archive", process.env.EDOC_TEST_LOG ?? "silent");
  const bus = await Bus.connect({ url: amqpUrl, prefix: h.prefix, logger: log, deliveryLimit: 3 });
  const archive = await createArchive({ store, bus, log, reconcileMs: 60_000 });
  await archive.start();
  second = { store, bus, archive };
});
afterAll(async () => {
  await second.archive.stop();
  await second.bus.close();
  await second.store.close();
  await h.close();
});

async function chain(): Promise<Receipt[]> {
  const docs = await h.store.db.collection("receipts").find({}).sort({ seq: 1 }).toArray();
  return docs.map((d) => toReceipt(d as never));
}

/** The same question asked `n` times: answered by both instances in turn. */
async function askedOfBoth<T>(n: number, ask: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await ask());
  return out;
}

it("concurrent accepts on both extend one chain that verifies; retries are one packet", async () => {
  const letters = Array.from({ length: 40 }, () => letter());
  // Every letter twice at once (a gateway retrying on the other instance), plus a third later.
  const answers = await Promise.all(
    letters.flatMap((l) => [h.rpc("packets.accept", l), h.rpc("packets.accept", l)]),
  );
  const again = await Promise.all(letters.map((l) => h.rpc("packets.accept", l)));
  for (const [i, l] of letters.entries()) {
    const pair = [answers[2 * i], answers[2 * i + 1], again[i]] as AcceptResult[];
    for (const a of pair) expect(a.hubDocumentId).toBe(l.hubDocumentId);
    expect(pair.filter((a) => a.outcome === "accepted").length).toBeLessThanOrEqual(1);
    expect(again[i]?.outcome).toBe("duplicate");
  }
  // The test plays the router: each RouteRequest (published by either) gets its plan.
  await waitFor(() => (new Set(h.routed.map((r) => r.messageId)).size >= 40 ? true : undefined));
  for (const id of new Set(h.routed.map((r) => r.body.hubDocumentId))) {
    const plan = planFor(id, [ORG.finance, ORG.home]);
    await h.peer.publishJson("archive.plans", plan, { messageId: `plan-${id}` });
  }
  const db = h.store.db;
  await waitFor(async () =>
    (await db.collection("packets").countDocuments({ routeState: "planned" })) === 40
      ? true
      : undefined,
  );
  await h.settle();
  const receipts = await chain();
  expect(verifyChain(receipts)).toMatchObject({ ok: true });
  expect(receipts.map((r) => r.seq)).toEqual(receipts.map((_, i) => i + 1));
  // Per letter: accepted, and routed + available per delivery: each once.
  const counted = (type: string) => receipts.filter((r) => r.type === type).length;
  expect(counted("accepted")).toBe(40);
  expect(counted("routed")).toBe(80);
  expect(counted("available")).toBe(80);
  expect(await db.collection("packets").countDocuments({})).toBe(40);
  expect(await db.collection("deliveries").countDocuments({})).toBe(80);
});

it("the pending inbox is the same from either instance, and follows fetches made on the other", async () => {
  const list = () =>
    h.rpc("inbox.list", { actingFor: [ORG.finance], state: "pending", limit: 1000 });
  const ids = (items: InboxItem[]) => items.map((i) => i.deliveryId);
  const seen = await askedOfBoth(4, list);
  expect(seen[0]?.items).toHaveLength(40);
  for (const s of seen) expect(ids(s.items)).toEqual(ids(seen[0]?.items ?? []));

  const [first, second] = seen[0]?.items ?? [];
  if (!first || !second) throw new Error("no deliveries");
  // Ten fetches of one delivery at once, on both: one `fetched`, the same bytes to each.
  const fetches = await Promise.all(
    Array.from({ length: 10 }, () =>
      h.rpc("inbox.fetch", { actingFor: [ORG.finance], deliveryId: first.deliveryId }),
    ),
  );
  const bytes = new Set(fetches.map((f) => ("edxml" in f ? f.edxml : "")));
  expect(bytes.size).toBe(1);
  expect(new Set(fetches.map((f) => f.item.fetchedAt)).size).toBe(1);
  // Done and fail at once: one result stands, the other is refused.
  const acks = await Promise.allSettled([
    h.rpc("inbox.ack", { actingFor: [ORG.finance], deliveryId: first.deliveryId, result: "done" }),
    h.rpc("inbox.ack", { actingFor: [ORG.finance], deliveryId: first.deliveryId, result: "fail" }),
  ]);
  expect(acks.filter((a) => a.status === "fulfilled")).toHaveLength(1);
  const refused = acks.find((a) => a.status === "rejected");
  expect(
    await rpcError(Promise.reject(refused?.status === "rejected" && refused.reason)),
  ).toMatchObject({ code: "ACK_CONFLICT" });
  await h.rpc("inbox.fetch", { actingFor: [ORG.finance], deliveryId: second.deliveryId });

  const after = await askedOfBoth(4, list);
  for (const s of after) {
    expect(s.items).toHaveLength(38);
    expect(ids(s.items)).not.toContain(first.deliveryId);
    expect(ids(s.items)).not.toContain(second.deliveryId);
  }
  const fetched = await askedOfBoth(2, () =>
    h.rpc("inbox.list", { actingFor: [ORG.finance], state: "fetched", limit: 1000 }),
  );
  for (const s of fetched)
    expect(ids(s.items).sort()).toEqual([first.deliveryId, second.deliveryId].sort());

  const receipts = await chain();
  expect(verifyChain(receipts)).toMatchObject({ ok: true });
  expect(
    receipts.filter((r) => r.deliveryId === first.deliveryId && r.type === "fetched"),
  ).toHaveLength(1);
  expect(
    receipts.filter((r) => r.deliveryId === first.deliveryId && r.type === "acknowledged"),
  ).toHaveLength(1);
});

it("a peer hub's returns acked on both at once, with plans replayed, are all listed, once", async () => {
  // Federation: twelve of a letter's deliveries went to the upstream link, which was refused
  // all of them for good and acks them at once (each instance serving some), while the plan is
  // replayed. Each return is one `$addToSet` on the same packet row: none may be lost.
  const remote = Array.from({ length: 12 }, (_, i) => `000.00.${String(40 + i)}.H53`);
  const req = letter({ to: remote });
  await h.rpc("packets.accept", req);
  const plan = planFor(req.hubDocumentId, remote);
  for (const d of plan.deliveries) d.hub = "upstream";
  await h.peer.publishJson("archive.plans", plan, { messageId: `plan-${req.hubDocumentId}` });
  const packet = () =>
    h.store.db.collection("packets").findOne({ _id: req.hubDocumentId as never });
  await waitFor(async () => ((await packet())?.routeState === "planned" ? true : undefined));
  const link = { actingFor: [], hubs: ["upstream"] };
  for (const d of plan.deliveries)
    await h.rpc("inbox.fetch", { ...link, deliveryId: d.deliveryId });
  const acks = plan.deliveries.flatMap((d) =>
    [1, 2].map(() =>
      h.rpc("inbox.ack", {
        ...link,
        deliveryId: d.deliveryId,
        result: "fail",
        reason: "RECIPIENT_UNKNOWN: not here",
        forward: { hub: "upstream" },
      }),
    ),
  );
  const replays = [1, 2].map((i) =>
    h.peer.publishJson("archive.plans", plan, { messageId: `replan-${i}-${req.hubDocumentId}` }),
  );
  await Promise.all([...acks, ...replays]);
  await h.settle();
  const returned = (await packet())?.returned as { addressedTo: string; hub?: string }[];
  expect(returned.map((r) => r.addressedTo).sort()).toEqual([...remote].sort());
  for (const r of returned) expect(r.hub).toBe("upstream");
});

it("a rate-limit bucket leased on both at once grants exactly its burst", async () => {
  // Compare-and-set across instances: the database decides (FerretDB through its main's
  // per-collection turns); each instance only queues its own callers.
  const key = `agency-both-${Date.now()}`;
  const lease = () => h.rpc("ratelimit.lease", { key, ratePerSecond: 0.01, burst: 30, want: 1 });
  const leases = await Promise.all(Array.from({ length: 80 }, lease));
  expect(leases.reduce((n, l) => n + l.granted, 0)).toBe(30);
});
