import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  chainReceipt,
  GENESIS_HASH,
  type Receipt,
  type ReceiptBody,
  ReceiptError,
  sha256Hex,
  verifyChain,
} from "../src/index.js";
import { buildChain, DIGEST, RECIPIENT, SENDER } from "./fixtures.js";

function codes(result: ReturnType<typeof verifyChain>): string[] {
  return result.ok ? [] : result.problems.map((p) => `${p.seq}:${p.code}`);
}

describe("chainReceipt", () => {
  it("starts at seq 1 from the genesis hash and links each receipt to the one before", () => {
    const chain = buildChain();
    expect(chain.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(chain[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < chain.length; i++) expect(chain[i]?.prevHash).toBe(chain[i - 1]?.hash);
  });

  it("hashes canonicalJson({ seq, prevHash, body }) and derives the id from seq and hash", () => {
    const body: ReceiptBody = {
      type: "accepted",
      hubDocumentId: "hub-1",
      organId: SENDER,
      at: "2025-07-01T01:00:00.000Z",
      digest: DIGEST,
    };
    const r = chainReceipt(undefined, body);
    const expected = sha256Hex(canonicalJson({ seq: 1, prevHash: GENESIS_HASH, body }));
    expect(r.hash).toBe(expected);
    expect(r.id).toBe(`rcp_1_${expected.slice(0, 12)}`);
    expect(r).toMatchObject({ ...body, seq: 1, prevHash: GENESIS_HASH });
  });

  it("is deterministic and independent of the body's key order", () => {
    const a = chainReceipt(undefined, {
      type: "routed",
      hubDocumentId: "h",
      at: "2025-07-01T00:00:00.000Z",
      data: { b: 1, a: 2 },
    });
    const b = chainReceipt(undefined, {
      data: { a: 2, b: 1 },
      at: "2025-07-01T00:00:00.000Z",
      hubDocumentId: "h",
      type: "routed",
    });
    expect(b.hash).toBe(a.hash);
  });

  it("copies the body, so later changes to the caller's object do not alter the receipt", () => {
    const data = { statusCode: "03" };
    const r = chainReceipt(undefined, {
      type: "status",
      hubDocumentId: "h",
      at: "2025-07-01T00:00:00.000Z",
      data,
    });
    data.statusCode = "06";
    expect(r.data).toEqual({ statusCode: "03" });
    expect(verifyChain([r]).ok).toBe(true);
  });

  it.each([
    ["an unknown type", { type: "sent" }, "RECEIPT_INVALID", "type"],
    ["an empty hubDocumentId", { hubDocumentId: "" }, "RECEIPT_INVALID", "hubDocumentId"],
    ["a local time", { at: "2025-07-01T08:00:00.000+07:00" }, "RECEIPT_INVALID", "at"],
    ["seconds without milliseconds", { at: "2025-07-01T01:00:00Z" }, "RECEIPT_INVALID", "at"],
    ["an impossible date", { at: "2025-02-30T00:00:00.000Z" }, "RECEIPT_INVALID", "at"],
    ["an upper-case digest", { digest: "A".repeat(64) }, "RECEIPT_INVALID", "digest"],
    ["a malformed organ id", { organId: "28.22.H17" }, "RECEIPT_INVALID", "organId"],
    ["a padded organ id", { organId: ` ${RECIPIENT}` }, "RECEIPT_INVALID", "organId"],
    ["a $ data key", { data: { $set: 1 } }, "RECEIPT_DATA_KEY_INVALID", "data.$set"],
    ["a dotted data key", { data: { "a.b": 1 } }, "RECEIPT_DATA_KEY_INVALID", "data.a.b"],
    ["an empty data key", { data: { "": 1 } }, "RECEIPT_DATA_KEY_INVALID", "data."],
    ["a nested data value", { data: { a: { b: 1 } } }, "RECEIPT_INVALID", "data.a"],
    ["a NaN data value", { data: { a: Number.NaN } }, "RECEIPT_INVALID", "data.a"],
  ])("refuses %s", (_what, change, code, field) => {
    const body = {
      type: "accepted",
      hubDocumentId: "h",
      at: "2025-07-01T00:00:00.000Z",
      ...change,
    };
    try {
      chainReceipt(undefined, body as ReceiptBody);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ReceiptError);
      expect((e as ReceiptError).code).toBe(code);
      expect((e as ReceiptError).field).toBe(field);
    }
  });
});

describe("verifyChain", () => {
  it("accepts an intact chain and returns its head", () => {
    const chain = buildChain();
    const last = chain.at(-1)!;
    expect(verifyChain(chain)).toEqual({ ok: true, head: { seq: 6, hash: last.hash } });
  });

  it("accepts the empty chain as the genesis", () => {
    expect(verifyChain([])).toEqual({ ok: true, head: { seq: 0, hash: GENESIS_HASH } });
  });

  it("verifies a tail from a known position", () => {
    const chain = buildChain();
    const from = { seq: chain[2]!.seq, hash: chain[2]!.hash };
    expect(verifyChain(chain.slice(3), { from }).ok).toBe(true);
    expect(codes(verifyChain(chain.slice(3)))).toEqual(["4:SEQ_GAP", "4:PREV_MISMATCH"]);
  });

  it("ignores properties outside the body, such as a store's _id", () => {
    const chain = buildChain().map((r) => ({ ...r, _id: "6650f0…" }));
    expect(verifyChain(chain).ok).toBe(true);
  });

  it("detects an edited field", () => {
    const chain = buildChain();
    chain[2] = { ...chain[2]!, organId: SENDER };
    expect(codes(verifyChain(chain))).toEqual(["3:HASH_MISMATCH"]);
  });

  it("detects edited data and an added field", () => {
    const edited = buildChain();
    edited[4] = { ...edited[4]!, data: { ...edited[4]!.data, statusCode: "06" } };
    expect(codes(verifyChain(edited))).toEqual(["5:HASH_MISMATCH"]);
    const added = buildChain();
    added[1] = { ...added[1]!, digest: DIGEST };
    expect(codes(verifyChain(added))).toEqual(["2:HASH_MISMATCH"]);
  });

  it("detects a removed middle receipt", () => {
    const chain = buildChain();
    chain.splice(2, 1);
    const result = verifyChain(chain);
    expect(codes(result)).toEqual(["4:SEQ_GAP", "4:PREV_MISMATCH"]);
    expect(result.ok || result.problems[0]?.message).toMatch(/receipt\(s\) 3 missing/);
  });

  it("detects two swapped receipts", () => {
    const chain = buildChain();
    [chain[2], chain[3]] = [chain[3]!, chain[2]!];
    const result = verifyChain(chain);
    expect(codes(result)).toEqual([
      "4:SEQ_GAP",
      "4:PREV_MISMATCH",
      "3:SEQ_GAP",
      "3:PREV_MISMATCH",
      "5:PREV_MISMATCH",
    ]);
    expect(result.ok || result.problems[2]?.message).toMatch(/out of order/);
  });

  it("detects a changed prevHash, even with the hash recomputed to match", () => {
    const chain = buildChain();
    const forged = chainReceipt({ seq: 2, hash: "f".repeat(64) }, chain[2]!);
    chain[2] = forged;
    expect(codes(verifyChain(chain))).toEqual(["3:PREV_MISMATCH", "4:PREV_MISMATCH"]);

    const lazy = buildChain();
    lazy[2] = { ...lazy[2]!, prevHash: "f".repeat(64) };
    expect(codes(verifyChain(lazy))).toEqual(["3:HASH_MISMATCH", "3:PREV_MISMATCH"]);
  });

  it("detects an inserted receipt", () => {
    const chain = buildChain();
    const inserted: Receipt = chainReceipt(chain[1], {
      type: "withdrawn",
      hubDocumentId: "hub-1",
      at: "2025-07-01T01:00:01.500Z",
    });
    chain.splice(2, 0, inserted);
    expect(codes(verifyChain(chain))).toEqual(["3:SEQ_DUPLICATE", "3:PREV_MISMATCH"]);
  });

  it("detects a replayed receipt", () => {
    const chain = buildChain();
    chain.push(chain[5]!);
    expect(codes(verifyChain(chain))).toEqual(["6:SEQ_DUPLICATE", "6:PREV_MISMATCH"]);
  });

  it("detects an id that does not belong to the receipt", () => {
    const chain = buildChain();
    chain[0] = { ...chain[0]!, id: chain[1]!.id };
    expect(codes(verifyChain(chain))).toEqual(["1:HASH_MISMATCH"]);
  });

  it("reports, rather than throws on, content that cannot be hashed", () => {
    const chain = buildChain();
    chain[0] = { ...chain[0]!, data: { when: new Date(0) as unknown as string } };
    const result = verifyChain(chain);
    expect(codes(result)).toEqual(["1:HASH_MISMATCH"]);
    expect(result.ok || result.problems[0]?.message).toMatch(/cannot be hashed/);
  });

  it("names the receipt in every message", () => {
    const chain = buildChain();
    chain[1] = { ...chain[1]!, hubDocumentId: "hub-3" };
    const result = verifyChain(chain);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems[0]?.message).toMatch(/^receipt seq 2: content hashes to/);
  });

  it("chains from a position given by a stored head", () => {
    const chain = buildChain();
    const next = chainReceipt(chain.at(-1), {
      type: "acknowledged",
      hubDocumentId: "hub-2",
      organId: RECIPIENT,
      at: "2025-07-01T03:00:00.000Z",
    });
    expect(next.seq).toBe(7);
    expect(verifyChain([...chain, next]).ok).toBe(true);
  });
});
