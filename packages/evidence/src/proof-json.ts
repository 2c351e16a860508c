import type { Receipt, ReceiptProof, SignedChainHead } from "@edoc/receipts";
import { PATHS, text } from "./layout.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function json(bytes: Uint8Array | undefined, path: string): unknown {
  if (bytes === undefined) throw new Error(`${path} is missing`);
  try {
    return JSON.parse(text(bytes));
  } catch (err) {
    throw new Error(`${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function position(v: unknown): boolean {
  return isObject(v) && Number.isSafeInteger(v.seq) && typeof v.hash === "string";
}

function head(v: unknown): v is SignedChainHead {
  return (
    position(v) &&
    isObject(v) &&
    typeof v.at === "string" &&
    typeof v.algorithm === "string" &&
    typeof v.signature === "string"
  );
}

/**
 * The shape a receipt must have before the chain check can even run; whether its content
 * is right is the hash's business (verifyChain recomputes it from the body fields).
 */
function receipt(v: unknown): v is Receipt {
  return (
    position(v) &&
    isObject(v) &&
    typeof v.prevHash === "string" &&
    typeof v.type === "string" &&
    typeof v.hubDocumentId === "string" &&
    typeof v.at === "string" &&
    (v.data === undefined || isObject(v.data))
  );
}

/** receipts.json as a ReceiptProof, or a message saying why it is not one. */
export function parseProof(bytes: Uint8Array | undefined): ReceiptProof | string {
  let raw: unknown;
  try {
    raw = json(bytes, PATHS.receipts);
  } catch (err) {
    return (err as Error).message;
  }
  if (!isObject(raw) || !position(raw.startsAfter) || !head(raw.head)) {
    return `${PATHS.receipts} is not a receipt proof ({ startsAfter, receipts, head })`;
  }
  if (!Array.isArray(raw.receipts)) return `${PATHS.receipts}: receipts must be an array`;
  const bad = raw.receipts.findIndex((r) => !receipt(r));
  if (bad >= 0) return `${PATHS.receipts}: receipts[${bad}] is not a receipt`;
  return raw as unknown as ReceiptProof;
}

/** chain-heads.json as signed heads, or a message saying why not. */
export function parseHeads(bytes: Uint8Array | undefined): SignedChainHead[] | string {
  let raw: unknown;
  try {
    raw = json(bytes, PATHS.chainHeads);
  } catch (err) {
    return (err as Error).message;
  }
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every(head)) {
    return `${PATHS.chainHeads} must be a non-empty array of signed chain heads`;
  }
  return raw;
}
