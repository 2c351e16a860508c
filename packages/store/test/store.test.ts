import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectStore, isDuplicateKeyError, type Store, unsafeKey } from "../src/index.js";

const url = process.env.EDOC_MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true";
let store: Store;

beforeAll(async () => {
  store = await connectStore({ url, dbName: `t_store_${randomBytes(4).toString("hex")}` });
});
afterAll(async () => {
  await store.db.dropDatabase();
  await store.close();
});

describe("store", () => {
  it("pings the real server and recognises duplicate keys", async () => {
    expect(await store.ping()).toBe(true);
    const col = store.db.collection<{ _id: string }>("x");
    await col.insertOne({ _id: "a" });
    const err = await col.insertOne({ _id: "a" }).catch((e: unknown) => e);
    expect(isDuplicateKeyError(err)).toBe(true);
    expect(isDuplicateKeyError(new Error("other"))).toBe(false);
  });

  it("finds keys neither MongoDB nor FerretDB store safely", () => {
    expect(unsafeKey({ a: { b: [{ ok: 1 }] } })).toBeUndefined();
    expect(unsafeKey({ a: { "b.c": 1 } })).toBe("a.b.c");
    expect(unsafeKey({ list: [{ $where: 1 }] })).toBe("list[0].$where");
  });
});
