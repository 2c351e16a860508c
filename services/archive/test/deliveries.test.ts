import { randomBytes } from "node:crypto";
import { connectStore, type Store } from "@edoc/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DeliveryDoc, DeliveryMoveDoc } from "../src/collections.js";
import { Deliveries } from "../src/deliveries.js";
import { cachedById } from "../src/row-cache.js";
import { mongoUrl } from "./harness.js";

let store: Store;
let deliveries: Deliveries;

beforeAll(async () => {
  store = await connectStore({
    url: mongoUrl,
    dbName: `t-deliv-${randomBytes(4).toString("hex")}`,
  });
  const db = store.db;
  // As collections.ts builds them: group-committed writes (maxRows 0: nothing cached).
  const rows = <T extends DeliveryDoc | DeliveryMoveDoc>(name: string) =>
    cachedById(db.collection<T>(name), { maxRows: 0 });
  deliveries = new Deliveries(
    rows<DeliveryDoc>("deliveries"),
    rows<DeliveryDoc>("settledDeliveries"),
    rows<DeliveryMoveDoc>("deliveryMoves"),
  );
  await deliveries.createIndexes();
});
afterAll(async () => {
  await store.db.dropDatabase();
  await store.close();
});

function delivery(id: string, availableAt: string): DeliveryDoc {
  return {
    _id: id,
    hubDocumentId: `doc_${id}`,
    recipient: "000.00.02.H53",
    addressedTo: "000.00.02.H53",
    via: [],
    kind: "letter",
    docType: "new",
    from: "000.00.01.H53",
    documentId: `D-${id}`,
    state: "available",
    availableAt,
  };
}

it("keeps open deliveries apart from settled ones, and reads both as one", async () => {
  const [a, b, c] = ["a", "b", "c"].map((id, i) => delivery(id, `2026-11-25T10:00:0${i}.000Z`)) as [
    DeliveryDoc,
    DeliveryDoc,
    DeliveryDoc,
  ];
  expect(await deliveries.insertAbsent([a, b, c], new Set())).toHaveLength(3);

  await deliveries.move(a, { state: "fetched", fetchedAt: "2026-11-25T10:01:00.000Z" });
  expect(await deliveries.open.findOne({ _id: "a" })).toMatchObject({ state: "fetched" });

  const fetched = { ...a, state: "fetched" as const, fetchedAt: "2026-11-25T10:01:00.000Z" };
  await deliveries.move(fetched, { state: "acknowledged", ackResult: "done" });
  await deliveries.move(b, { state: "withdrawn", withdrawnBy: "doc_revoke" });
  expect(await deliveries.open.countDocuments({})).toBe(1);
  expect(await deliveries.settled.countDocuments({})).toBe(2);
  expect(await deliveries.findOne({ _id: "a" })).toMatchObject({
    state: "acknowledged",
    fetchedAt: "2026-11-25T10:01:00.000Z",
    ackResult: "done",
  });

  const newestFirst = { sort: { availableAt: -1 as const, _id: -1 as const } };
  expect((await deliveries.find({}, newestFirst)).map((d) => d._id)).toEqual(["c", "b", "a"]);
  expect(
    (await deliveries.find({ state: { $in: ["fetched", "acknowledged"] } })).map((d) => d._id),
  ).toEqual(["a"]);
  expect((await deliveries.find({ state: "available" })).map((d) => d._id)).toEqual(["c"]);
  expect((await deliveries.find({}, { ...newestFirst, limit: 2 })).map((d) => d._id)).toEqual([
    "c",
    "b",
  ]);
});

it("after a settle interrupted between its two writes, queries see it settled and a retry heals it", async () => {
  const d = { ...delivery("x", "2026-11-25T11:00:00.000Z"), state: "fetched" as const };
  await deliveries.insertAbsent([d], new Set());
  // The final row was inserted, the open one not deleted yet.
  await deliveries.settled.insertOne({ ...d, state: "acknowledged", ackResult: "done" });
  expect(await deliveries.findOne({ _id: "x" })).toMatchObject({ state: "fetched" });
  const seen = await deliveries.find({ hubDocumentId: "doc_x" });
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ state: "acknowledged" });
  // The retry (here with the other result) finds the stored one: the first result stands.
  expect(await deliveries.move(d, { state: "failed", ackResult: "fail" })).toMatchObject({
    state: "acknowledged",
  });
  expect(await deliveries.open.findOne({ _id: "x" })).toBeNull();
  expect(await deliveries.findOne({ _id: "x" })).toMatchObject({ state: "acknowledged" });
});

it("moves are claimed in the database: of racing writers (two archives) one wins, all see it", async () => {
  for (let i = 0; i < 10; i++) {
    // Instances read the same available row; two fetch it, one withdraws it.
    const d = delivery(`race${i}`, "2026-11-25T12:00:00.000Z");
    await deliveries.insertAbsent([d], new Set());
    const seen = await Promise.all([
      deliveries.move(d, { state: "fetched", fetchedAt: `2026-11-25T12:01:0${i}.000Z` }),
      deliveries.move(d, { state: "withdrawn", withdrawnBy: "doc_revoke" }),
      deliveries.move(d, { state: "fetched", fetchedAt: "2026-11-25T12:02:00.000Z" }),
    ]);
    const stored = await deliveries.findOne({ _id: d._id });
    for (const s of seen) expect(s).toEqual(stored);
    if (stored?.state === "withdrawn")
      expect(await deliveries.open.findOne({ _id: d._id })).toBeNull();

    // Two acknowledgements with different results of one fetched delivery: one result stands.
    const f = { ...delivery(`ack${i}`, "2026-11-25T12:00:00.000Z"), state: "fetched" as const };
    await deliveries.insertAbsent([f], new Set());
    const [done, failed] = await Promise.all([
      deliveries.move(f, { state: "acknowledged", ackResult: "done" }),
      deliveries.move(f, { state: "failed", ackResult: "fail" }),
    ]);
    expect(done).toEqual(failed);
    expect(await deliveries.settled.countDocuments({ _id: f._id })).toBe(1);
    expect(await deliveries.open.findOne({ _id: f._id })).toBeNull();
    expect(await deliveries.findOne({ _id: f._id })).toEqual(done);
  }
});
