import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multipart } from "../adversarial/make-corpus.js";
import { type Agent, api, TestHub } from "../support/hub.js";
import { letterXml, receiveAndAck, sign } from "../support/letters.js";

// Large letters take the streamed path (spool, skeleton, chunks through the bus): still
// verified, receipted, stored and delivered byte for byte.
const SENDER = "000.20.30.H45";
const RECIPIENT = "000.00.02.H45";

const MAX_PACKET = 30 * 1024 * 1024;
const hub = new TestHub({
  agencies: [SENDER, RECIPIENT],
  env: { EDOC_MAX_PACKET_BYTES: String(MAX_PACKET) },
});

/** Spool directories the gateway (same machine, same tmpdir) has not removed. */
const spools = () => readdirSync(tmpdir()).filter((n) => n.startsWith("edoc-body-"));
const A = (id: string): Agent => hub.agent(id);

interface Item {
  deliveryId: string;
  hubDocumentId: string;
  state: string;
}

async function waitDelivery(hubDocumentId: string, ms = 60_000): Promise<Item> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await api(hub, A(RECIPIENT), "GET", "/inbox?state=all");
    const item = (r.json() as { items: Item[] }).items.find(
      (x) => x.hubDocumentId === hubDocumentId,
    );
    if (item) return item;
    if (Date.now() > deadline) throw new Error(`no delivery of ${hubDocumentId}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Sends, fetches byte for byte, verifies at the recipient and acknowledges. */
async function exchange(bytes: Buffer, body = bytes, type?: string): Promise<void> {
  const sent = await api(hub, A(SENDER), "POST", "/documents", body, type);
  expect(sent.status, sent.body.toString("utf8").slice(0, 500)).toBe(202);
  const { hubDocumentId, outcome, receipt } = sent.json() as {
    hubDocumentId: string;
    outcome: string;
    receipt: string;
  };
  expect(outcome).toBe("accepted");
  expect(receipt).toContain("AcceptanceReceipt");

  const item = await waitDelivery(hubDocumentId);
  await receiveAndAck(hub, A(RECIPIENT), item.deliveryId, bytes);

  // Sent again: the same letter, answered from the archive without a second copy.
  const again = await api(hub, A(SENDER), "POST", "/documents", body, type);
  expect(again.status).toBe(200);
  expect(again.json()).toMatchObject({ hubDocumentId, outcome: "duplicate" });
}

/** Sends `bytes` and expects 422 SIGNATURE_INVALID for exactly this one reason. */
async function expectSignatureRefused(bytes: Buffer, reason: string): Promise<void> {
  const r = await api(hub, A(SENDER), "POST", "/documents", bytes);
  expect(r.status).toBe(422);
  const body = r.json() as { code: string; details: { reasons: { code: string }[] } };
  expect(body.code).toBe("SIGNATURE_INVALID");
  expect(body.details.reasons.map((x) => x.code)).toEqual([reason]);
}

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("large letters", () => {
  it("a 20 MB attachment is accepted, delivered byte for byte and acknowledged", async () => {
    const { xml } = letterXml(SENDER, [RECIPIENT], { attachmentBytes: 20 * 1024 * 1024 });
    await exchange(sign(A(SENDER), xml));
  }, 120_000);

  it("a 3 MB letter sent as multipart/form-data takes the same path", async () => {
    const { xml } = letterXml(SENDER, [RECIPIENT], { attachmentBytes: 3 * 1024 * 1024 });
    const bytes = sign(A(SENDER), xml);
    await exchange(
      bytes,
      multipart("file", bytes),
      "multipart/form-data; boundary=----edoc-adversarial-boundary",
    );
  }, 60_000);

  it("a large letter changed by one byte of its attachment is refused", async () => {
    const { xml } = letterXml(SENDER, [RECIPIENT], { attachmentBytes: 5 * 1024 * 1024 });
    const bytes = sign(A(SENDER), xml);
    const at = bytes.indexOf("ContentTransferEncoded") + 3_000_000;
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
    await expectSignatureRefused(bytes, "SIGNATURE_REFERENCE_INVALID");
    expect(spools()).toEqual([]);
  }, 60_000);

  it("an unsigned comment is refused on the small and the streamed path alike", async () => {
    // Comments are outside the signature (exc-C14N drops them) and would be forwarded as received.
    for (const attachmentBytes of [2 * 1024, 3 * 1024 * 1024]) {
      const { xml } = letterXml(SENDER, [RECIPIENT], { attachmentBytes });
      const signed = sign(A(SENDER), xml).toString("utf8");
      const end = signed.lastIndexOf("</"); // before the root's end tag
      const bytes = Buffer.from(
        `${signed.slice(0, end)}<!-- thêm sau khi ký -->${signed.slice(end)}`,
      );
      expect(bytes.length > 1024 * 1024).toBe(attachmentBytes > 1024 * 1024);
      await expectSignatureRefused(bytes, "SIGNATURE_MALFORMED");
    }
    expect(spools()).toEqual([]);
  }, 60_000);

  it("a body over the limit is cut off while spooling, and its spool removed", async () => {
    // Under the declared-length precheck (limit × 1.1), so it is refused while being read.
    const body = Buffer.alloc(MAX_PACKET + 1024 * 1024, "<a>");
    const r = await api(hub, A(SENDER), "POST", "/documents", body).catch(() => undefined);
    if (r) expect(r.status).toBe(413);
    await new Promise((res) => setTimeout(res, 200));
    expect(spools()).toEqual([]);
  }, 60_000);
});
