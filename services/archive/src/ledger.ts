import { chainReceipt, type Receipt, type ReceiptBody } from "@edoc/receipts";
import type { Logger } from "@edoc/runtime";
import { isDuplicateKeyError } from "@edoc/store";
import type { Collections, ReceiptDoc } from "./collections.js";
import { Mutex } from "./lock.js";

export interface ChainPosition {
  seq: number;
  hash: string;
}

/** An OrganId already validated by the message schemas, typed for receipts. */
export type ReceiptOrganId = NonNullable<ReceiptBody["organId"]>;
export const asOrganId = (id: string): ReceiptOrganId => id as ReceiptOrganId;

/** Strips the storage fields, leaving the receipt exactly as chained. */
export function toReceipt(doc: ReceiptDoc): Receipt {
  const { _id: _seq, key: _key, ...receipt } = doc;
  return receipt;
}

/**
 * The hash chain of receipts. Appends are serialized in-process by one lock, and the head is
 * kept in memory (loaded from the highest seq at start). Two unique indexes back it up in the
 * database: `_id` = seq (no fork: a second writer's insert of the same seq fails, it reloads
 * the head and chains after the winner) and `key` (an event attested once: a replay returns
 * the receipt already there). One archive process owns the chain; see docs/archive.md.
 */
export class Ledger {
  private readonly lock = new Mutex();
  private current: ChainPosition | undefined;
  private stale = true;

  constructor(
    private readonly c: Collections,
    private readonly log: Logger,
  ) {}

  /** The last receipt's position, undefined while the chain is empty. */
  head(): ChainPosition | undefined {
    return this.current;
  }

  async load(): Promise<void> {
    await this.lock.run(() => this.reload());
  }

  private async reload(): Promise<void> {
    const last = await this.c.receipts.find({}).sort({ _id: -1 }).limit(1).next();
    this.current = last ? { seq: last.seq, hash: last.hash } : undefined;
    this.stale = false;
  }

  /** The receipt attesting `key`, if any. */
  async find(key: string): Promise<Receipt | undefined> {
    const doc = await this.c.receipts.findOne({ key });
    return doc ? toReceipt(doc) : undefined;
  }

  /**
   * Appends the receipt for `key` unless one exists already (then returns that one, whatever
   * `body` says now: the first attestation stands).
   */
  append(key: string, body: ReceiptBody): Promise<Receipt> {
    return this.lock.run(async () => {
      for (let attempt = 0; ; attempt++) {
        const existing = await this.find(key);
        if (existing) return existing;
        if (this.stale) await this.reload();
        const receipt = chainReceipt(this.current, body);
        try {
          await this.c.receipts.insertOne({ ...receipt, _id: receipt.seq, key });
          this.current = { seq: receipt.seq, hash: receipt.hash };
          return receipt;
        } catch (err) {
          // Unknown outcome or a lost race: the in-memory head can no longer be trusted.
          this.stale = true;
          if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
          this.log.warn(
            { key, seq: receipt.seq },
            "receipt seq or key taken by another writer; reloading the chain head",
          );
        }
      }
    });
  }
}
