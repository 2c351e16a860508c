import { randomBytes } from "node:crypto";
import { chainReceipt, type ReceiptBody, verifyChain } from "@edoc/receipts";
import { createLogger } from "@edoc/runtime";
import { connectStore, type Store } from "@edoc/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Collections, collections, ensureIndexes } from "../src/collections.js";
import { Ledger, toReceipt } from "../src/ledger.js";
import { mongoUrl } from "./harness.js";

let store: Store;
let c: Collections;
let inserts = 0;
const log = createLogger("archive", "silent");

beforeAll(async () => {
  store = await connectStore({
    url: mongoUrl,
    dbName: `t-ledger-${randomBytes(4).toString("hex")}`,
    onCommand: (name) => {
      if (name === "insert") inserts++;
    },
  });
  c = collections(store.db);
  await ensureIndexes(c);
});
afterAll(async () => {
  await store.db.dropDatabase();
  await store.close();
});

const body = (n: number): ReceiptBody => ({
  type: "accepted",
  hubDocumentId: `hub-${n}`,
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
});

async function chain() {
  const docs = await c.receipts.find({}).sort({ seq: 1 }).toArray();
  return docs.map(toReceipt);
}

it("group-commits concurrent appends into one linear chain, each event once", async () => {
  const ledger = new Ledger(c, log);
  await ledger.load();
  // Replays (the same key again) in the same turn share the first receipt.
  const keys = Array.from({ length: 60 }, (_, i) => `k${i % 50}`);
  const before = inserts;
  const receipts = await Promise.all(keys.map((k) => ledger.append(k, body(Number(k.slice(1))))));
  expect(inserts - before).toBe(1);
  const stored = await chain();
  expect(stored).toHaveLength(50);
  expect(verifyChain(stored)).toMatchObject({ ok: true });
  expect(receipts[55]).toEqual(receipts[5]);
  expect(ledger.head()).toEqual({ seq: 50, hash: stored[49]?.hash });

  // A replay after the fact gets the stored receipt, whatever its body says now.
  const again = await Promise.all([ledger.append("k7", body(99)), ledger.append("new", body(51))]);
  expect(again[0]).toEqual(receipts[7]);
  expect(again[1].seq).toBe(51);
  expect(verifyChain(await chain())).toMatchObject({ ok: true });
});

it("chains after another writer that took the next seq, and refuses a bad body alone", async () => {
  const ledger = new Ledger(c, log);
  await ledger.load();
  const head = ledger.head();
  // Another writer that does not raise `chainTip` (as one killed right after its insert).
  const theirs = chainReceipt(head, body(200));
  await c.receipts.insertOne({ ...theirs, _id: "theirs" });

  const bad = { ...body(201), documentId: "x".repeat(5000) };
  const [mine, refused] = await Promise.allSettled([
    ledger.append("mine", body(202)),
    ledger.append("bad", bad),
  ]);
  expect(refused.status).toBe("rejected");
  expect(mine.status === "fulfilled" && mine.value.seq).toBe(theirs.seq + 1);
  expect(mine.status === "fulfilled" && mine.value.prevHash).toBe(theirs.hash);
  expect(verifyChain(await chain())).toMatchObject({ ok: true });
  expect(await c.receipts.findOne({ _id: "bad" })).toBeNull();
});

it("two archive instances appending at once extend one chain that verifies, each event once", async () => {
  const a = new Ledger(c, log);
  const b = new Ledger(c, log);
  await a.load();
  await b.load();
  const start = a.head()?.seq ?? 0;
  // Bursts from both, interleaved over several turns, with some events attested by both
  // (a plan redelivered to the other instance).
  const receipts = [];
  for (let round = 0; round < 8; round++) {
    const burst = [];
    for (let i = 0; i < 25; i++) {
      const n = 1000 + round * 25 + i;
      burst.push(a.append(`two-${n}`, body(n)));
      burst.push(b.append(`two-${n + (i % 5 === 0 ? 0 : 100_000)}`, body(n)));
    }
    receipts.push(...(await Promise.all(burst)));
  }
  const stored = await chain();
  expect(verifyChain(stored)).toMatchObject({ ok: true });
  const mine = stored.filter((r) => r.seq > start);
  // 8 rounds × (25 + 20 distinct): the shared keys got one receipt, answered to both.
  expect(mine).toHaveLength(8 * 45);
  expect(mine.map((r) => r.seq)).toEqual(mine.map((_, i) => start + i + 1));
  const bySeq = new Map(stored.map((r) => [r.seq, r.hash]));
  for (const r of receipts) expect(bySeq.get(r.seq)).toBe(r.hash);
  // The tip they learnt the head from names a stored receipt.
  const tip = await c.chainTip.findOne({ _id: "tip" });
  expect(tip && bySeq.get(tip.seq)).toBe(tip?.hash);
});

it("at start, a chain tip ahead of the receipts (a restored database) is set back to the head", async () => {
  const last = (await chain()).at(-1);
  await c.chainTip.updateOne(
    { _id: "tip" },
    { $set: { seq: (last?.seq ?? 0) + 50, hash: "f".repeat(64) } },
    { upsert: true },
  );
  const ledger = new Ledger(c, log);
  await ledger.load();
  expect(await c.chainTip.findOne({ _id: "tip" })).toMatchObject({
    seq: last?.seq,
    hash: last?.hash,
  });
  // Another writer behind its back: the one appending after it learns the real head.
  await c.receipts.insertOne({ ...chainReceipt(ledger.head(), body(300)), _id: "behind" });
  const next = await ledger.append("after-restore", body(301));
  expect(next.seq).toBe((last?.seq ?? 0) + 2);
  expect(verifyChain(await chain())).toMatchObject({ ok: true });
});
