import { randomBytes } from "node:crypto";
import { createLogger } from "@edoc/runtime";
import { connectStore, type Store } from "@edoc/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Collections, collections } from "../src/collections.js";
import { LeaseLocks, type LockRows } from "../src/lock.js";
import { mongoUrl, sleep } from "./harness.js";

let store: Store;
let c: Collections;
const log = createLogger("archive", "silent");

beforeAll(async () => {
  store = await connectStore({ url: mongoUrl, dbName: `t-lock-${randomBytes(4).toString("hex")}` });
  c = collections(store.db);
});
afterAll(async () => {
  await store.db.dropDatabase();
  await store.close();
});

/** Runs `n` holders of `key` spread over `locks`, each noting when it held it. */
async function contend(locks: LeaseLocks[], key: string, n: number) {
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      locks[i % locks.length]?.run(key, async () => {
        inside++;
        most = Math.max(most, inside);
        await sleep(3);
        order.push(i);
        inside--;
      }),
    ),
  );
  return { most, order };
}

it("one holder at a time across instances, and the rows are gone after", async () => {
  const instances = [1, 2, 3].map(() => new LeaseLocks(c.locks, log, { leaseMs: 5_000 }));
  const { most, order } = await contend(instances, "packet-1", 24);
  expect(most).toBe(1);
  expect(order).toHaveLength(24);
  await Promise.all(instances.map((l) => l.idle()));
  expect(await c.locks.countDocuments({})).toBe(0);
});

it("a killed holder's lease is taken over once it expires, by one waiter only", async () => {
  // The row a killed instance left: its lease ran out a moment ago.
  await c.locks.insertOne({ _id: "packet-2", owner: "dead:1", expiresAt: Date.now() + 300 });
  const instances = [1, 2, 3].map(() => new LeaseLocks(c.locks, log, { leaseMs: 5_000 }));
  const started = Date.now();
  const { most, order } = await contend(instances, "packet-2", 9);
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(most).toBe(1);
  expect(order).toHaveLength(9);
  await Promise.all(instances.map((l) => l.idle()));
  expect(await c.locks.findOne({ _id: "packet-2" })).toBeNull();
});

it("a holder renews its lease while it works, so a slow accept is not taken over", async () => {
  const slow = new LeaseLocks(c.locks, log, { leaseMs: 150 });
  const other = new LeaseLocks(c.locks, log, { leaseMs: 150 });
  const events: string[] = [];
  await Promise.all([
    slow.run("packet-3", async () => {
      events.push("slow in");
      await sleep(600); // four leases long
      events.push("slow out");
    }),
    sleep(50).then(() => other.run("packet-3", async () => void events.push("other"))),
  ]);
  expect(events).toEqual(["slow in", "slow out", "other"]);
});

it("hands the outcome back before the release is written; idle waits for the release", async () => {
  // Releases held back until `open()`: the answer must not wait for them.
  let open = () => {};
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const rows: LockRows = {
    insertOne: (doc) => c.locks.insertOne(doc),
    findOne: (filter) => c.locks.findOne(filter),
    updateOne: (filter, update) => c.locks.updateOne(filter, update),
    deleteMany: async (filter) => gate.then(() => c.locks.deleteMany(filter)),
  };
  const locks = new LeaseLocks(rows, log, { leaseMs: 5_000 });
  expect(await locks.run("packet-4", async () => "answer")).toBe("answer");
  expect(await c.locks.countDocuments({ _id: "packet-4" })).toBe(1);
  let idle = false;
  const settled = locks.idle().then(() => {
    idle = true;
  });
  // This instance's next caller for the key waits for the release too.
  let second = false;
  const next = locks.run("packet-4", async () => {
    second = true;
  });
  await sleep(50);
  expect([idle, second]).toEqual([false, false]);
  open();
  await Promise.all([settled, next]);
  await locks.idle();
  expect(await c.locks.countDocuments({ _id: "packet-4" })).toBe(0);
});

it("a refusal is handed back at once too, and its lock given back", async () => {
  const locks = new LeaseLocks(c.locks, log, { leaseMs: 5_000 });
  await expect(locks.run("packet-5", () => Promise.reject(new Error("refused")))).rejects.toThrow(
    "refused",
  );
  await locks.idle();
  expect(await c.locks.countDocuments({ _id: "packet-5" })).toBe(0);
});
