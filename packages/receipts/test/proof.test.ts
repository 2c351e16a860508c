import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  chainReceipt,
  proveReceipts,
  type Receipt,
  type ReceiptProof,
  signChainHead,
  verifyProof,
} from "../src/index.js";
import { buildChain, TEST_CERT_KEY_PEM, TEST_CERT_PEM } from "./fixtures.js";

const forHub1 = (r: Receipt): boolean => r.hubDocumentId === "hub-1";

function setup() {
  const chain = buildChain();
  const last = chain.at(-1)!;
  const head = signChainHead(
    { seq: last.seq, hash: last.hash, at: "2025-07-01T03:00:00.000Z" },
    TEST_CERT_KEY_PEM,
    {
      certificatePem: TEST_CERT_PEM,
    },
  );
  return { chain, head };
}

function problemCodes(result: ReturnType<typeof verifyProof>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

describe("receipt proofs", () => {
  it("cuts the segment from the first wanted receipt up to the signed head", () => {
    const { chain, head } = setup();
    const proof = proveReceipts(chain, forHub1, head);
    expect(proof.receipts.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(proof.startsAfter).toEqual({ seq: 0, hash: "0".repeat(64) });

    const hub2 = proveReceipts(
      chain.slice(1),
      (r) => r.hubDocumentId === "hub-2" && r.type === "routed",
      head,
    );
    expect(hub2.receipts.map((r) => r.seq)).toEqual([6]);
    expect(hub2.startsAfter).toEqual({ seq: 5, hash: chain[4]!.hash });
  });

  it("verifies against the hub certificate", () => {
    const { chain, head } = setup();
    expect(verifyProof(proveReceipts(chain, forHub1, head), TEST_CERT_PEM)).toEqual({ ok: true });
  });

  it("survives a JSON round trip (as stored in an evidence bundle)", () => {
    const { chain, head } = setup();
    const proof = JSON.parse(JSON.stringify(proveReceipts(chain, forHub1, head))) as ReceiptProof;
    expect(verifyProof(proof, TEST_CERT_PEM).ok).toBe(true);
  });

  it("fails when a receipt is altered", () => {
    const { chain, head } = setup();
    const proof = proveReceipts(chain, forHub1, head);
    proof.receipts[4] = { ...proof.receipts[4]!, data: { statusCode: "06" } };
    expect(problemCodes(verifyProof(proof, TEST_CERT_PEM))).toEqual(["HASH_MISMATCH"]);
  });

  it("fails when a receipt is moved to another letter, even with its hashes recomputed", () => {
    const { chain, head } = setup();
    const proof = proveReceipts(chain, forHub1, head);
    // Re-chain from the moved receipt on: the links hold again, but not the signed head.
    const forged: Receipt[] = proof.receipts.slice(0, 2);
    for (const r of proof.receipts.slice(2)) {
      forged.push(chainReceipt(forged.at(-1), r.seq === 3 ? { ...r, hubDocumentId: "hub-2" } : r));
    }
    expect(problemCodes(verifyProof({ ...proof, receipts: forged }, TEST_CERT_PEM))).toEqual([
      "HEAD_MISMATCH",
    ]);
    // …and if the forger also moves the head, its signature no longer verifies.
    const moved = { ...proof, receipts: forged, head: { ...head, hash: forged.at(-1)!.hash } };
    expect(problemCodes(verifyProof(moved, TEST_CERT_PEM))).toEqual(["HEAD_SIGNATURE_INVALID"]);
  });

  it("fails when the segment does not reach the head or a receipt is removed", () => {
    const { chain, head } = setup();
    const proof = proveReceipts(chain, forHub1, head);
    const short = { ...proof, receipts: proof.receipts.slice(0, -1) };
    expect(problemCodes(verifyProof(short, TEST_CERT_PEM))).toEqual(["HEAD_MISMATCH"]);
    const holed = { ...proof, receipts: proof.receipts.filter((r) => r.seq !== 2) };
    expect(problemCodes(verifyProof(holed, TEST_CERT_PEM))).toEqual(["SEQ_GAP", "PREV_MISMATCH"]);
    expect(problemCodes(verifyProof({ ...proof, receipts: [] }, TEST_CERT_PEM))).toEqual([
      "PROOF_EMPTY",
    ]);
  });

  it("fails under a key the caller does not trust", () => {
    const { chain, head } = setup();
    const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const proof = proveReceipts(chain, forHub1, head);
    expect(problemCodes(verifyProof(proof, stranger.publicKey))).toEqual([
      "HEAD_SIGNATURE_INVALID",
    ]);
  });

  it("refuses to prove what the chain does not hold", () => {
    const { chain, head } = setup();
    expect(() => proveReceipts(chain, (r) => r.hubDocumentId === "hub-9", head)).toThrow(
      expect.objectContaining({ code: "PROOF_NOTHING_WANTED" }),
    );
    expect(() => proveReceipts(chain.slice(0, 5), forHub1, head)).toThrow(
      expect.objectContaining({ code: "PROOF_HEAD_NOT_FOUND" }),
    );
    const edited = [...chain];
    edited[5] = { ...edited[5]!, hash: "e".repeat(64) };
    expect(() => proveReceipts(edited, forHub1, head)).toThrow(
      expect.objectContaining({ code: "PROOF_CHAIN_BROKEN" }),
    );
    const broken = [...chain];
    broken[2] = { ...broken[2]!, organId: undefined };
    expect(() => proveReceipts(broken, forHub1, head)).toThrow(
      expect.objectContaining({ code: "PROOF_CHAIN_BROKEN" }),
    );
  });
});
