import { BODY_FIELDS, type ReceiptBody, validateReceiptBody } from "./body.js";
import { canonicalJson } from "./canonical-json.js";
import { ReceiptError } from "./errors.js";
import { SHA256_HEX, sha256Hex } from "./hash.js";

/** A receipt as stored: its body plus its place in the hash chain. */
export type Receipt = ReceiptBody & {
  /** 1 for the first receipt, then +1 without gaps */
  seq: number;
  /** hash of the receipt before; GENESIS_HASH for seq 1 */
  prevHash: string;
  /** sha256 hex of canonicalJson({ seq, prevHash, body }) */
  hash: string;
  /** `rcp_<seq>_<first 12 hex of hash>`: see receiptId */
  id: string;
};

/** A position in the chain: the last receipt's seq and hash. */
export interface ChainPosition {
  seq: number;
  hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

/** The head of the empty chain: the first receipt has seq 1 and prevHash GENESIS_HASH. */
export const GENESIS: Readonly<ChainPosition> = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/**
 * The receipt id. It carries a hash prefix, not only the seq, so an id handed to an agency
 * (in the acceptance receipt) pins the content: a rewritten chain cannot reuse the same ids.
 */
export function receiptId(seq: number, hash: string): string {
  return `rcp_${seq}_${hash.slice(0, 12)}`;
}

/** Just the body fields of a stored receipt; other properties (e.g. a store's _id) are not hashed. */
export function receiptBody(receipt: Receipt): ReceiptBody {
  const body: Record<string, unknown> = {};
  for (const field of BODY_FIELDS) {
    if (receipt[field] !== undefined) body[field] = receipt[field];
  }
  return body as unknown as ReceiptBody;
}

export function receiptHash(seq: number, prevHash: string, body: ReceiptBody): string {
  return sha256Hex(canonicalJson({ seq, prevHash, body }));
}

function isPosition(p: ChainPosition): boolean {
  return Number.isSafeInteger(p.seq) && p.seq >= 0 && SHA256_HEX.test(p.hash);
}

/**
 * The next receipt after `prev` (undefined = the chain is empty). The body is validated
 * and copied, so later changes to the caller's object cannot alter a hashed receipt.
 */
export function chainReceipt(prev: ChainPosition | undefined, body: ReceiptBody): Receipt {
  const from = prev ?? GENESIS;
  if (!isPosition(from)) {
    throw new ReceiptError(
      "CHAIN_HEAD_INVALID",
      `previous receipt must have a non-negative integer seq and a SHA-256 hex hash, got seq ${from.seq}`,
    );
  }
  const clean = validateReceiptBody(body);
  const seq = from.seq + 1;
  const hash = receiptHash(seq, from.hash, clean);
  return { ...clean, seq, prevHash: from.hash, hash, id: receiptId(seq, hash) };
}

export type ChainProblemCode = "HASH_MISMATCH" | "PREV_MISMATCH" | "SEQ_GAP" | "SEQ_DUPLICATE";

export interface ChainProblem {
  seq: number;
  code: ChainProblemCode;
  message: string;
}

export type ChainVerification =
  | { ok: true; head: ChainPosition }
  | { ok: false; problems: ChainProblem[] };

/**
 * Recompute every link of `receipts` (in the order given, which must be seq order),
 * starting after `opts.from` (default: the genesis, i.e. the whole chain).
 *
 * - HASH_MISMATCH: a receipt's content, seq, prevHash or id no longer matches its hash
 *   (an edited receipt, or one moved to another letter);
 * - PREV_MISMATCH: a receipt does not point at the one before it (removed, reordered or
 *   inserted receipts, or an edited prevHash);
 * - SEQ_GAP: the seq is not the previous seq + 1 (a removed receipt, or a reordering);
 * - SEQ_DUPLICATE: a seq seen before in this list (an inserted or replayed receipt).
 *
 * A chain rewritten wholesale from some point on is internally consistent again; only a
 * signed chain head (or a receipt id an agency kept) exposes that, see verifyChainHead.
 */
export function verifyChain(
  receipts: readonly Receipt[],
  opts: { from?: ChainPosition } = {},
): ChainVerification {
  const problems: ChainProblem[] = [];
  const start = opts.from ?? GENESIS;
  let prev: ChainPosition = { seq: start.seq, hash: start.hash };
  const seen = new Set<number>();
  // Highest seq so far: the next one must be exactly one more.
  let high = start.seq;
  for (const r of receipts) {
    const seq = r.seq;
    const add = (code: ChainProblemCode, message: string): void => {
      problems.push({ seq, code, message: `receipt seq ${seq}: ${message}` });
    };

    let computed: string | undefined;
    let why = "";
    try {
      computed = receiptHash(seq, r.prevHash, receiptBody(r));
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
    }
    if (computed === undefined) add("HASH_MISMATCH", `content cannot be hashed: ${why}`);
    else if (computed !== r.hash) {
      add("HASH_MISMATCH", `content hashes to ${computed}, receipt says ${r.hash}`);
    } else if (r.id !== receiptId(seq, r.hash)) {
      add("HASH_MISMATCH", `id ${r.id} does not match its seq and hash`);
    }

    if (!Number.isSafeInteger(seq) || seq < 1) {
      add("SEQ_GAP", "seq must be a positive integer");
    } else if (seen.has(seq) || seq === start.seq) {
      add("SEQ_DUPLICATE", `seq ${seq} appears more than once`);
    } else if (seq > high + 1) {
      const missing = seq === high + 2 ? `${high + 1}` : `${high + 1}..${seq - 1}`;
      add("SEQ_GAP", `follows seq ${high}; receipt(s) ${missing} missing`);
    } else if (seq < high) {
      add("SEQ_GAP", `comes after seq ${high}; receipts are out of order`);
    }

    if (r.prevHash !== prev.hash) {
      add(
        "PREV_MISMATCH",
        `prevHash ${r.prevHash} is not the hash of seq ${prev.seq} (${prev.hash})`,
      );
    }

    if (Number.isSafeInteger(seq)) {
      seen.add(seq);
      high = Math.max(high, seq);
    }
    prev = { seq, hash: r.hash };
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, head: prev };
}
