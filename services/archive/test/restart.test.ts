import { Bus } from "@edoc/bus";
import type { AcceptResult } from "@edoc/messages";
import { verifyChain } from "@edoc/receipts";
import { createLogger } from "@edoc/runtime";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createArchive } from "../src/archive.js";
import type { ReceiptDoc } from "../src/collections.js";
import { toReceipt } from "../src/ledger.js";
import { type Harness, letter, startHarness } from "./harness.js";

const amqpUrl = process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
let h: Harness;
beforeAll(async () => {
  h = await startHarness({});
});
afterAll(async () => {
  await h?.close();
});

it("a restarted archive continues the chain from its highest seq and still knows old packets", async () => {
  const a = letter();
  await h.rpc("packets.accept", a);

  // The first process goes away; a second one starts on the same database and queues.
  await h.archive.stop();
  await h.bus.close();
  const log = createLogger("archive", "silent");
  const bus = await Bus.connect({ url: amqpUrl, prefix: h.prefix, logger: log, deliveryLimit: 3 });
  const second = await createArchive({ store: h.store, bus, log });
  await second.start();
  try {
    const b = letter();
    expect((await h.rpc("packets.accept", b)).outcome).toBe("accepted");
    const replay = (await h.rpc("packets.accept", {
      ...letter({ documentId: a.documentId }),
      edxml: a.edxml,
      digest: a.digest,
      size: a.size,
    })) as AcceptResult;
    expect(replay).toMatchObject({ outcome: "duplicate", hubDocumentId: a.hubDocumentId });

    const docs = await h.store.db
      .collection<ReceiptDoc>("receipts")
      .find({})
      .sort({ seq: 1 })
      .toArray();
    expect(docs.map((d) => d.type)).toEqual(["accepted", "accepted"]);
    expect(verifyChain(docs.map(toReceipt))).toMatchObject({ ok: true });
    expect(docs[1]?.prevHash).toBe(docs[0]?.hash);
  } finally {
    await second.stop();
    await bus.close();
  }
});
