import { randomBytes } from "node:crypto";
import { connectStore, isDuplicateKeyError, type Store } from "@edoc/store";
import type { Collection } from "mongodb";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { GroupCommit } from "../src/group-commit.js";
import { mongoUrl } from "./harness.js";

interface Item {
  _id: string;
  state: string;
  tags?: string[];
}

let store: Store;
const commands: string[] = [];
let raw: Collection<Item>;
let group: GroupCommit<Item>;

beforeAll(async () => {
  store = await connectStore({
    url: mongoUrl,
    dbName: `t-group-${randomBytes(4).toString("hex")}`,
    onCommand: (name) => commands.push(name),
  });
});
afterAll(async () => {
  await store.db.dropDatabase();
  await store.close();
});
beforeEach(async () => {
  raw = store.db.collection<Item>(`items${randomBytes(3).toString("hex")}`);
  await raw.insertOne({ _id: "seed", state: "x" });
  group = new GroupCommit(raw);
  commands.length = 0;
});

const ids = (n: number, prefix = "i") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

it("writes made together go out as one command of each kind, each applied", async () => {
  await Promise.all(ids(20).map((id) => group.insert({ _id: id, state: "available" })));
  // The first insert leaves alone (nothing waits when idle); the 19 made meanwhile, together.
  expect(commands).toEqual(["insert", "insert"]);
  commands.length = 0;
  await Promise.all(
    ids(20).map((id) => group.update(id, { $set: { state: "fetched" }, $addToSet: { tags: id } })),
  );
  await Promise.all(ids(10).map((id) => group.delete(id)));
  expect(commands).toEqual(["update", "update", "delete", "delete"]);
  const left = await raw.find({ _id: { $ne: "seed" } }).toArray();
  expect(left.map((r) => r._id).sort()).toEqual(ids(20).slice(10).sort());
  for (const r of left) expect(r).toMatchObject({ state: "fetched", tags: [r._id] });
});

it("a duplicate fails its own caller only, with the error a lone insert raises", async () => {
  const outcomes = await Promise.allSettled([
    group.insert({ _id: "a", state: "1" }),
    group.insert({ _id: "b", state: "1" }),
    group.insert({ _id: "seed", state: "again" }),
    group.insert({ _id: "c", state: "1" }),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual([
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  const refused = outcomes[2];
  expect(refused?.status === "rejected" && isDuplicateKeyError(refused.reason)).toBe(true);
  expect(await raw.countDocuments()).toBe(4);
  expect((await raw.findOne({ _id: "seed" }))?.state).toBe("x");
});

it("an update or delete of a row that is not there is no error", async () => {
  await Promise.all([group.update("absent", { $set: { state: "y" } }), group.delete("gone")]);
  expect(await raw.countDocuments()).toBe(1);
});

it("a statement the database refuses fails its caller, every other one is applied", async () => {
  const outcomes = await Promise.allSettled([
    group.update("seed", { $set: { state: "first" } }),
    group.update("seed", { $set: { state: "second" } }),
    // Changing `_id` is refused by MongoDB and FerretDB alike; FerretDB 1.x then skips the
    // statements after it in the same command.
    group.update("seed", { $set: { _id: "renamed" } }),
    group.update("seed", { $addToSet: { tags: "after" } }),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual([
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  expect(await raw.findOne({ _id: "seed" })).toEqual({
    _id: "seed",
    state: "second",
    tags: ["after"],
  });
});
