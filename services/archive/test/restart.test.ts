import { Bus } from "@edoc/bus";
import type { AcceptResult, RpcResultOf } from "@edoc/messages";
import { verifyChain } from "@edoc/receipts";
import { createLogger } from "@edoc/runtime";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createArchive } from "../src/archive.js";
import type { ReceiptDoc } from "../src/collections.js";
import { toReceipt } from "../src/ledger.js";
import {
  amqpUrl,
  deliveryId,
  type Harness,
  letter,
  ORG,
  planFor,
  startHarness,
  waitFor,
} from "./harness.js";

type InboxList = RpcResultOf<"inbox.list">;

/** Stops the harness's archive and starts a second process on the same database and queues. */
async function restarted(): Promise<{ stop(): Promise<void> }> {
  await h.archive.stop();
  await h.bus.close();
  const log = createLogger("archive", "silent");
  const bus = await Bus.connect({ url: amqpUrl, prefix: h.prefix, logger: log, deliveryLimit: 3 });
  const second = await createArchive({ store: h.store, bus, log });
  await second.start();
  return {
    async stop() {
      await second.stop();
      await bus.close();
    },
  };
}

let h: Harness;
// Each test stops the harness's archive and starts a second one: a fresh harness each.
beforeEach(async () => {
  h = await startHarness({});
});
afterEach(async () => {
  await h?.close();
});

it("a restarted archive continues the chain from its highest seq and still knows old packets", async () => {
  const a = letter();
  await h.rpc("packets.accept", a);

  // The first process goes away; a second one starts on the same database and queues.
  const second = await restarted();
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
    // The first receipt attests the directory's seed (version 1), written once, not per start.
    expect(docs.map((d) => d.type)).toEqual(["directory-changed", "accepted", "accepted"]);
    expect(verifyChain(docs.map(toReceipt))).toMatchObject({ ok: true });
    expect(docs[2]?.prevHash).toBe(docs[1]?.hash);
  } finally {
    await second.stop();
  }
});

it("a restarted archive lists the same pending deliveries: unfetched ones, newest first", async () => {
  const a = letter({ to: [ORG.finance, ORG.home] });
  await h.rpc("packets.accept", a);
  await h.peer.publishJson("archive.plans", planFor(a.hubDocumentId, [ORG.finance, ORG.home]), {
    messageId: `plan-${a.hubDocumentId}`,
  });
  const listed = async (org: string) =>
    ((await h.rpc("inbox.list", { actingFor: [org], state: "pending" })) as InboxList).items.map(
      (i) => i.deliveryId,
    );
  const forFinance = deliveryId(a.hubDocumentId, ORG.finance);
  const forHome = deliveryId(a.hubDocumentId, ORG.home);
  await waitFor(async () => ((await listed(ORG.home)).includes(forHome) ? true : undefined));
  await h.rpc("inbox.fetch", { actingFor: [ORG.home], deliveryId: forHome });
  expect(await listed(ORG.home)).not.toContain(forHome);

  const second = await restarted();
  try {
    expect(await listed(ORG.finance)).toContain(forFinance);
    expect(await listed(ORG.home)).not.toContain(forHome);
    // Both organs at once: one list, newest first.
    const both = (await h.rpc("inbox.list", {
      actingFor: [ORG.finance, ORG.home],
      state: "pending",
    })) as InboxList;
    const times = both.items.map((i) => i.availableAt);
    expect(times).toEqual([...times].sort().reverse());
  } finally {
    await second.stop();
  }
});
