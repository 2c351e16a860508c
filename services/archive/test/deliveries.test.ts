import { randomBytes } from "node:crypto";
import { connectStore, type Store } from "@edoc/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DeliveryDoc } from "../src/collections.js";
import { Deliveries } from "../src/deliveries.js";
import { mongoUrl } from "./harness.js";

let store: Store;
let deliveries: Deliveries;

beforeAll(async () => {
  store = await connectStore({
    url: mongoUrl,
    dbName: `t-deliv-${randomBytes(4).toString("hex")}`,
  });
  const db = store.db;
  deliveries = new Deliveries(db.collection("deliveries"), db.collection("settledDeliveries"));
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

  await deliveries.set(a, { state: "fetched", fetchedAt: "2026-11-25T10:01:00.000Z" });
  expect(await deliveries.open.findOne({ _id: "a" })).toMatchObject({ state: "fetched" });

  const fetched = { ...a, state: "fetched" as const, fetchedAt: "2026-11-25T10:01:00.000Z" };
  await deliveries.set(fetched, { state: "acknowledged", ackResult: "done" });
  await deliveries.set(b, { state: "withdrawn", withdrawnBy: "doc_revoke" });
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
  const d = delivery("x", "2026-11-25T11:00:00.000Z");
  await deliveries.insertAbsent([d], new Set());
  // The final row was inserted, the open one not deleted yet.
  await deliveries.settled.insertOne({ ...d, state: "acknowledged", ackResult: "done" });
  expect(await deliveries.findOne({ _id: "x" })).toMatchObject({ state: "available" });
  const seen = await deliveries.find({ hubDocumentId: "doc_x" });
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ state: "acknowledged" });
  await deliveries.set(d, { state: "acknowledged", ackResult: "done" });
  expect(await deliveries.open.findOne({ _id: "x" })).toBeNull();
  expect(await deliveries.findOne({ _id: "x" })).toMatchObject({ state: "acknowledged" });
});
