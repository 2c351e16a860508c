import { createHash, randomBytes } from "node:crypto";
import { connectStore, type Store } from "@edoc/store";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Blobs } from "../src/blobs.js";
import { collections } from "../src/collections.js";
import { mongoUrl } from "./harness.js";

let store: Store;
let blobs: Blobs;
let chunkReads = 0;

beforeAll(async () => {
  store = await connectStore({
    url: mongoUrl,
    dbName: `t-blobs-${randomBytes(4).toString("hex")}`,
    onCommand: (name) => {
      if (name === "find" || name === "getMore") chunkReads++;
    },
  });
  blobs = new Blobs(collections(store.db));
});
afterAll(async () => {
  await store.db.dropDatabase();
  await store.close();
});

function upload(parts: number) {
  const chunks = Array.from({ length: parts }, () =>
    randomBytes(1000 + Math.floor(Math.random() * 500)),
  );
  const all = Buffer.concat(chunks);
  return {
    id: `doc_${randomBytes(8).toString("hex")}`,
    chunks,
    size: all.length,
    digest: createHash("sha256").update(all).digest("hex"),
  };
}

it("checks an upload from the digest taken while its chunks were stored", async () => {
  const u = upload(4);
  for (const [i, c] of u.chunks.entries()) expect(await blobs.putChunk(u.id, i, c)).toBe(true);
  const before = chunkReads;
  expect(await blobs.checkUpload(u.id, 4, u.digest, u.size)).toBe(true);
  expect(chunkReads - before).toBe(0);
  // Once only: a second check (say, after a restart) reads the chunks back, in one query.
  expect(await blobs.checkUpload(u.id, 4, u.digest, u.size)).toBe(true);
  expect(chunkReads - before).toBeLessThanOrEqual(1 + 4); // find + one getMore per chunk
  expect(await blobs.checkUpload(u.id, 4, "00".repeat(32), u.size)).toBe(false);
});

it("reads back chunks stored out of order, or resent, and refuses other bytes", async () => {
  const u = upload(3);
  // Chunk 1 first, then 0 and 2, and chunk 2 twice: no digest on the way, order differs.
  await blobs.putChunk(u.id, 0, u.chunks[0] as Buffer);
  await blobs.putChunk(u.id, 2, u.chunks[2] as Buffer);
  await blobs.putChunk(u.id, 1, u.chunks[1] as Buffer);
  await blobs.putChunk(u.id, 2, u.chunks[2] as Buffer);
  expect(await blobs.checkUpload(u.id, 3, u.digest, u.size)).toBe(true);

  const v = upload(2);
  await blobs.putChunk(v.id, 0, v.chunks[0] as Buffer);
  await blobs.putChunk(v.id, 1, randomBytes(v.chunks[1]?.length ?? 1));
  expect(await blobs.checkUpload(v.id, 2, v.digest, v.size)).toBe(false);
  // A chunk missing entirely.
  expect(await blobs.checkChunks(v.id, 3, v.digest, v.size)).toBe(false);
});

it("seals a checked upload; the bytes read back whole and exact", async () => {
  const u = upload(3);
  for (const [i, c] of u.chunks.entries()) await blobs.putChunk(u.id, i, c);
  expect(await blobs.checkUpload(u.id, 3, u.digest, u.size)).toBe(true);
  await blobs.seal(u.id, 3, u.digest, u.size);
  expect(await blobs.has(u.id, u.digest, u.size)).toBe(true);
  expect((await blobs.get(u.id))?.equals(Buffer.concat(u.chunks))).toBe(true);
  // A resend of a complete letter stores nothing.
  expect(await blobs.putChunk(u.id, 0, u.chunks[0] as Buffer)).toBe(false);
});
