import { randomBytes } from "node:crypto";
import { connectStore, isDuplicateKeyError, type Store } from "@edoc/store";
import type { Collection } from "mongodb";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { cachedById } from "../src/row-cache.js";
import { mongoUrl } from "./harness.js";

interface Item {
  _id: string;
  state: string;
  tags?: { name: string }[];
  n?: number;
}

let store: Store;
let finds = 0;
let inserts = 0;
let raw: Collection<Item>;
let rows: Collection<Item>;

beforeAll(async () => {
  store = await connectStore({
    url: mongoUrl,
    dbName: `t-rowcache-${randomBytes(4).toString("hex")}`,
    onCommand: (name) => {
      if (name === "find") finds++;
      if (name === "insert") inserts++;
    },
  });
});
afterAll(async () => {
  await store.db.dropDatabase();
  await store.close();
});
beforeEach(async () => {
  const name = `items${randomBytes(3).toString("hex")}`;
  raw = store.db.collection<Item>(name);
  rows = cachedById(store.db.collection<Item>(name), { maxRows: 3 });
});

async function readCounting(id: string) {
  const before = finds;
  const row = await rows.findOne({ _id: id });
  return { row, queried: finds - before };
}

it("serves rows it inserted without asking the database, as copies", async () => {
  await rows.insertOne({ _id: "a", state: "available" });
  const first = await readCounting("a");
  expect(first).toEqual({ row: { _id: "a", state: "available" }, queried: 0 });
  if (first.row) first.row.state = "changed by a caller";
  expect((await readCounting("a")).row?.state).toBe("available");
});

it("applies $set and $addToSet after the database confirmed them", async () => {
  await rows.insertMany([
    { _id: "a", state: "available", tags: [{ name: "x" }] },
    { _id: "b", state: "available" },
  ]);
  await rows.updateOne({ _id: "a" }, { $set: { state: "fetched" } });
  await rows.updateOne(
    { _id: "a" },
    { $addToSet: { tags: { $each: [{ name: "x" }, { name: "y" }] } } },
  );
  const a = await readCounting("a");
  expect(a.queried).toBe(0);
  expect(a.row).toEqual(await raw.findOne({ _id: "a" }));
  expect(a.row).toEqual({ _id: "a", state: "fetched", tags: [{ name: "x" }, { name: "y" }] });
});

it("drops a row on writes it cannot replay, and empties on writes by another filter", async () => {
  await rows.insertMany([
    { _id: "a", state: "available", n: 1 },
    { _id: "b", state: "available", n: 1 },
  ]);
  await rows.updateOne({ _id: "a" }, { $inc: { n: 1 } });
  expect(await readCounting("a")).toEqual({
    row: { _id: "a", state: "available", n: 2 },
    queried: 1,
  });
  await rows.updateMany({ state: "available" }, { $set: { state: "withdrawn" } });
  const b = await readCounting("b");
  expect(b).toEqual({ row: { _id: "b", state: "withdrawn", n: 1 }, queried: 1 });
  await rows.deleteOne({ _id: "b" });
  expect(await readCounting("b")).toEqual({ row: null, queried: 1 });
  // A failed insert (duplicate) keeps nothing of what it tried to write.
  const dup = await rows.insertOne({ _id: "a", state: "other" }).catch((e: unknown) => e);
  expect(isDuplicateKeyError(dup)).toBe(true);
  expect((await rows.findOne({ _id: "a" }))?.state).toBe("withdrawn");
});

it("never keeps what a read saw while a write to the row was in flight", async () => {
  await raw.insertOne({ _id: "a", state: "available" });
  const read = rows.findOne({ _id: "a" });
  const write = rows.updateOne({ _id: "a" }, { $set: { state: "fetched" } });
  await Promise.all([read, write]);
  // Whatever the read returned, the cache does not hold the state from before the update.
  expect((await rows.findOne({ _id: "a" }))?.state).toBe("fetched");
  expect((await readCounting("a")).row?.state).toBe("fetched");
});

it("keeps the most recently used rows only, and applies projections", async () => {
  for (const id of ["a", "b", "c", "d"]) await rows.insertOne({ _id: id, state: "s", n: 1 });
  expect((await readCounting("a")).queried).toBe(1); // the oldest was dropped
  expect((await readCounting("d")).queried).toBe(0);
  expect(await rows.findOne({ _id: "d" }, { projection: { n: 0 } })).toEqual({
    _id: "d",
    state: "s",
  });
  expect(await rows.findOne({ _id: "d" }, { projection: { n: 1 } })).toEqual({ _id: "d", n: 1 });
  expect(await rows.findOne({ _id: "d" }, { projection: { _id: 1 } })).toEqual({ _id: "d" });
  // Other queries go to the database as they are.
  expect(await rows.countDocuments({ state: "s" })).toBe(4);
});

it("group-commits concurrent single inserts, each caller getting its own outcome", async () => {
  await rows.insertOne({ _id: "taken", state: "s" });
  const before = inserts;
  const outcomes = await Promise.allSettled(
    ["a", "b", "taken", "c", "d", "e"].map((id) => rows.insertOne({ _id: id, state: "new" })),
  );
  // The first goes alone (nothing was being written); the others wait and leave together.
  expect(inserts - before).toBe(2);
  expect(outcomes.map((o) => o.status)).toEqual([
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
    "fulfilled",
  ]);
  const dup = outcomes[2];
  expect(dup?.status === "rejected" && isDuplicateKeyError(dup.reason)).toBe(true);
  expect(await raw.countDocuments({ state: "new" })).toBe(5);
  expect((await raw.findOne({ _id: "taken" }))?.state).toBe("s");
});
