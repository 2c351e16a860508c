import { type Receipt, verifyChain } from "@edoc/receipts";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mongoUrl } from "../support/env.js";
import { api, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";

// Killing the router with SIGKILL in the middle of a stream of letters loses nothing and
// duplicates nothing: every accepted letter is delivered exactly once to each recipient.
const SENDER = "000.20.30.H45";
const RECIPIENT = "000.00.04.H45"; // Sở Khoa học và Công nghệ
const LETTERS = Number(process.env.EDOC_CRASH_LETTERS ?? 500);

const hub = new TestHub({ agencies: [SENDER, RECIPIENT] });

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("crash safety", () => {
  it(`kill -9 of the router during ${LETTERS} letters: none lost, none duplicated, the receipt chain intact`, async () => {
    const sender = hub.agent(SENDER);
    const packets = Array.from({ length: LETTERS }, () =>
      sign(sender, letterXml(SENDER, [RECIPIENT]).xml),
    );
    const accepted = new Set<string>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < packets.length) {
        const i = next++;
        const r = await api(hub, sender, "POST", "/documents", packets[i]);
        expect(r.status, r.body.toString()).toBe(202);
        accepted.add((r.json() as { hubDocumentId: string }).hubDocumentId);
        if (!killed && accepted.size >= LETTERS / 3) {
          killed = true;
          await hub.kill("router");
          setTimeout(() => hub.startService("router"), 1_500);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(killed).toBe(true);
    expect(accepted.size).toBe(LETTERS);

    const deadline = Date.now() + 90_000;
    let items: { hubDocumentId: string; deliveryId: string }[] = [];
    while (Date.now() < deadline) {
      const r = await api(hub, hub.agent(RECIPIENT), "GET", "/inbox?state=all&limit=1000");
      items = (r.json() as { items: typeof items }).items;
      if (items.length >= LETTERS) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const perDoc = new Map<string, number>();
    for (const it of items) perDoc.set(it.hubDocumentId, (perDoc.get(it.hubDocumentId) ?? 0) + 1);
    const lost = [...accepted].filter((d) => !perDoc.has(d));
    const duplicated = [...perDoc].filter(([, n]) => n > 1);
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(items.length).toBe(LETTERS);

    // Every step left its receipt, and the chain verifies end to end.
    const client = await MongoClient.connect(mongoUrl);
    try {
      const receipts = await client
        .db(hub.dbName)
        .collection<Receipt & { _id: string }>("receipts")
        .find({})
        .sort({ seq: 1 })
        .toArray();
      const chain = verifyChain(receipts.map(({ _id, ...r }) => r as Receipt));
      expect(chain.ok).toBe(true);
      const available = receipts.filter((r) => r.type === "available").length;
      expect(available).toBe(LETTERS);
      expect(receipts.filter((r) => r.type === "accepted").length).toBe(LETTERS);
    } finally {
      await client.close();
    }
  }, 300_000);
});
