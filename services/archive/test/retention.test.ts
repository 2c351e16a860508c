import type { AcceptRequest } from "@edoc/messages";
import { verifyChain } from "@edoc/receipts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceiptDoc } from "../src/collections.js";
import { toReceipt } from "../src/ledger.js";
import { type Harness, letter, ORG, planFor, rpcError, sleep, startHarness } from "./harness.js";

// Retention on a real archive (RabbitMQ, FerretDB): letters are past the period a few
// milliseconds after acceptance here; only settled, routed letters lose their bytes.
let h: Harness;
let off: Harness;

async function accept(planned: boolean): Promise<{ req: AcceptRequest; deliveryId: string }> {
  const req = letter({ to: [ORG.finance] });
  expect((await h.rpc("packets.accept", req)).outcome).toBe("accepted");
  const plan = planFor(req.hubDocumentId, [ORG.finance]);
  if (planned) {
    await h.peer.publishJson("archive.plans", plan, { messageId: `plan-${req.hubDocumentId}` });
    await h.settle();
  }
  return { req, deliveryId: plan.deliveries[0]?.deliveryId ?? "" };
}

beforeAll(async () => {
  h = await startHarness({ retentionDays: 1e-7, reconcileMs: 600_000 });
  off = await startHarness({});
}, 60_000);
afterAll(async () => {
  await h?.close();
  await off?.close();
});

describe("retention.apply", () => {
  it("purges settled letters past the period with a purged receipt; fetches answer DOCUMENT_PURGED", async () => {
    const settled = await accept(true);
    const me = { actingFor: [ORG.finance], deliveryId: settled.deliveryId };
    await h.rpc("inbox.fetch", me);
    await h.rpc("inbox.ack", { ...me, result: "done" });
    const waiting = await accept(true); // its delivery is still available
    await accept(false); // not routed yet
    await sleep(20);

    const dry = await h.rpc("retention.apply", { dryRun: true });
    expect(dry.letters.map((l) => l.hubDocumentId)).toEqual([settled.req.hubDocumentId]);
    expect(dry).toMatchObject({ dryRun: true, kept: 2, more: false });
    expect(dry.letters[0]?.receiptId).toBeUndefined();
    expect((await h.rpc("inbox.fetch", me)).edxml).toBe(settled.req.edxml);

    const done = await h.rpc("retention.apply", { limit: 10 });
    expect(done.letters).toHaveLength(1);
    expect(done.bytes).toBe(settled.req.size);
    const gone = await rpcError(h.rpc("inbox.fetch", me));
    expect([gone.code, gone.status]).toEqual(["DOCUMENT_PURGED", 410]);
    const evidence = await rpcError(
      h.rpc("evidence.export", { hubDocumentId: settled.req.hubDocumentId }),
    );
    expect(evidence.code).toBe("DOCUMENT_PURGED");
    // The others still answer their bytes.
    const w = await h.rpc("inbox.fetch", {
      actingFor: [ORG.finance],
      deliveryId: waiting.deliveryId,
    });
    expect(w.edxml).toBe(waiting.req.edxml);

    const receipts = await h.store.db
      .collection<ReceiptDoc>("receipts")
      .find({})
      .sort({ seq: 1 })
      .toArray();
    expect(verifyChain(receipts.map(toReceipt)).ok).toBe(true);
    const purged = receipts.filter((r) => r.type === "purged");
    expect(purged.map((r) => [r._id, r.hubDocumentId, r.digest, r.id])).toEqual([
      [
        `purged:${settled.req.hubDocumentId}`,
        settled.req.hubDocumentId,
        settled.req.digest,
        done.letters[0]?.receiptId,
      ],
    ]);
    // Already purged: nothing to do; the pending letter is still kept.
    const again = await h.rpc("retention.apply", {});
    expect(again.letters).toEqual([]);
    expect(again.kept).toBe(2);
  });

  it("is refused by an archive without a policy", async () => {
    const err = await rpcError(off.rpc("retention.apply", { dryRun: true }));
    expect([err.code, err.status]).toEqual(["RETENTION_OFF", 409]);
  });
});
