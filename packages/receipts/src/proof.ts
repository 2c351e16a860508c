import type { KeyObject } from "node:crypto";
import { type ChainPosition, type ChainProblemCode, type Receipt, verifyChain } from "./chain.js";
import { ReceiptError } from "./errors.js";
import { type SignedChainHead, verifyChainHead } from "./head.js";

/**
 * Evidence that some receipts are part of the chain the hub signed: the contiguous segment
 * from the first wanted receipt up to the signed head. Each receipt's hash covers the one
 * before, so the signed head hash commits to every receipt in the segment. A contiguous
 * segment is simple and correct but grows with the traffic after the letter; a Merkle tree
 * over receipts (logarithmic proofs, as Certificate Transparency does) is the scale-up path.
 */
export interface ReceiptProof {
  /** where the segment starts: the seq and hash of the receipt just before it */
  startsAfter: ChainPosition;
  /** seq order, ending at head.seq */
  receipts: Receipt[];
  head: SignedChainHead;
}

/**
 * Cut the proof for the receipts `wanted` selects (e.g. one letter's hubDocumentId) out of
 * `all` (seq order, containing head.seq). Wanted receipts after head.seq need a later head.
 */
export function proveReceipts(
  all: readonly Receipt[],
  wanted: (r: Receipt) => boolean,
  head: SignedChainHead,
): ReceiptProof {
  const end = all.findIndex((r) => r.seq === head.seq);
  const last = all[end];
  if (last === undefined) {
    throw new ReceiptError(
      "PROOF_HEAD_NOT_FOUND",
      `no receipt with the signed head's seq ${head.seq} among the ${all.length} given`,
    );
  }
  if (last.hash !== head.hash) {
    throw new ReceiptError(
      "PROOF_CHAIN_BROKEN",
      `receipt seq ${head.seq} has hash ${last.hash}, the signed head says ${head.hash}`,
    );
  }
  const start = all.findIndex((r, i) => i <= end && wanted(r));
  const first = all[start];
  if (first === undefined) {
    throw new ReceiptError(
      "PROOF_NOTHING_WANTED",
      `no wanted receipt at or before the signed head (seq ${head.seq})`,
    );
  }
  const receipts = all.slice(start, end + 1);
  const startsAfter = { seq: first.seq - 1, hash: first.prevHash };
  const check = verifyChain(receipts, { from: startsAfter });
  if (!check.ok) {
    throw new ReceiptError(
      "PROOF_CHAIN_BROKEN",
      `the chain between seq ${first.seq} and ${head.seq} is broken: ${check.problems
        .map((p) => p.message)
        .join("; ")}`,
    );
  }
  return { startsAfter, receipts, head };
}

export type ProofProblemCode =
  | ChainProblemCode
  | "PROOF_EMPTY"
  | "HEAD_MISMATCH"
  | "HEAD_SIGNATURE_INVALID";

export interface ProofProblem {
  seq?: number;
  code: ProofProblemCode;
  message: string;
}

export type ProofVerification = { ok: true } | { ok: false; problems: ProofProblem[] };

/**
 * Recompute every link of the segment from `startsAfter`, check that it ends exactly at the
 * signed head, and check the head's signature under the key the caller trusts.
 */
export function verifyProof(
  proof: ReceiptProof,
  publicKeyOrCertPem: string | KeyObject,
): ProofVerification {
  const problems: ProofProblem[] = [];
  const { receipts, head, startsAfter } = proof;
  if (!verifyChainHead(head, publicKeyOrCertPem)) {
    problems.push({
      code: "HEAD_SIGNATURE_INVALID",
      message: `the chain head (seq ${head.seq}) signature does not verify under the given key`,
    });
  }
  const last = receipts.at(-1);
  if (last === undefined) {
    problems.push({ code: "PROOF_EMPTY", message: "the proof holds no receipts" });
    return { ok: false, problems };
  }
  const chain = verifyChain(receipts, { from: startsAfter });
  if (!chain.ok) problems.push(...chain.problems);
  if (last.seq !== head.seq || last.hash !== head.hash) {
    problems.push({
      seq: last.seq,
      code: "HEAD_MISMATCH",
      message: `the segment ends at seq ${last.seq} (${last.hash}), the signed head is seq ${head.seq} (${head.hash})`,
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true };
}
