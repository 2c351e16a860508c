import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  bytesOf,
  deliveryId,
  type Harness,
  letter,
  ORG,
  planFor,
  startHarness,
  waitFor,
} from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({});
});
afterAll(async () => {
  await h?.close();
});

// Past MongoDB's 16 MB document limit: the bytes are split into 8 MiB blobChunks rows.
it("carries a 20 MB letter byte for byte", async () => {
  const body = randomBytes(15 * 1024 * 1024).toString("base64");
  const req = letter({ ...bytesOf(body), to: [ORG.finance] });
  expect(req.size).toBeGreaterThan(20_000_000);
  expect((await h.rpc("packets.accept", req)).outcome).toBe("accepted");
  await h.peer.publishJson("archive.plans", planFor(req.hubDocumentId, [ORG.finance]), {
    messageId: `plan-${req.hubDocumentId}`,
  });
  const id = deliveryId(req.hubDocumentId, ORG.finance);
  await waitFor(() =>
    h
      .rpc("inbox.list", { actingFor: [ORG.finance], state: "pending" })
      .then((r) => (r.items.some((i) => i.deliveryId === id) ? true : undefined)),
  );
  const got = await h.rpc("inbox.fetch", { actingFor: [ORG.finance], deliveryId: id });
  expect(got.edxml).toBe(req.edxml);
}, 120_000);
