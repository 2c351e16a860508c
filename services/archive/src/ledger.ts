import { chainReceipt, type Receipt, type ReceiptBody } from "@edoc/receipts";
import type { Logger } from "@edoc/runtime";
import { isDuplicateKeyError, writeErrorsOf } from "@edoc/store";
import type { Collections, ReceiptDoc } from "./collections.js";

export interface ChainPosition {
  seq: number;
  hash: string;
}

/** An OrganId already validated by the message schemas, typed for receipts. */
export type ReceiptOrganId = NonNullable<ReceiptBody["organId"]>;
export const asOrganId = (id: string): ReceiptOrganId => id as ReceiptOrganId;

/** Strips the storage field, leaving the receipt exactly as chained. */
export function toReceipt(doc: ReceiptDoc): Receipt {
  const { _id: _key, ...receipt } = doc;
  return receipt;
}

/** Receipts chained in one flush: one insertMany. */
const MAX_BATCH = 256;
/**
 * Seq conflicts tolerated in one flush before its callers get the error. Every archive
 * instance appends, so losing a race is normal; each loss costs one failed insert and one read
 * of the one-row `chainTip`, and the winner's batch went in meanwhile.
 */
const MAX_CONFLICTS = 200;
/** How long after a lost seq race this writer keeps raising `chainTip` after each batch. */
const CONTENDED_MS = 60_000;
/** The `chainTip` row's `_id`. */
const TIP = "tip";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Waiter {
  resolve(receipt: Receipt): void;
  reject(err: unknown): void;
}

/** One event to attest, with everyone who asked for it in this flush. */
interface Entry {
  key: string;
  body: ReceiptBody;
  waiters: Waiter[];
}

/** The first write error of an ordered insertMany: its index and whether it is a duplicate. */
function firstWriteError(err: unknown): { index: number; duplicate: boolean } | undefined {
  const [first] = writeErrorsOf(err);
  if (first) return { index: first.index, duplicate: first.code === 11000 };
  // insertMany of a single document may report its duplicate as a plain server error.
  if (isDuplicateKeyError(err)) return { index: 0, duplicate: true };
  return undefined;
}

/**
 * The hash chain of receipts, with group commit. `append(key, body)` queues the event; one
 * flusher at a time takes everything queued (up to 256), chains the events in queue order
 * after the head as this process knows it, and stores them with ONE ordered insertMany. Under
 * load, N appends cost one round trip instead of N serialized ones.
 *
 * Any number of archive instances append to the same chain; the database keeps it one chain
 * (compare-and-set on seq): `_id` = the event's key (an event is attested once: a replay's
 * insert fails, and the receipt already there is returned, whatever `body` says now) and a
 * unique index on `seq` (a writer whose head is behind fails on the first taken seq, stores
 * nothing of that batch from there on, learns the new head and chains the rest after it).
 * The new head is learnt from `chainTip`, one row that writers raise after each stored batch
 * while they meet others (a race lost in the last minute; a lone writer does not pay for it):
 * reading it is cheap where finding the highest `seq` among the receipts is a table scan on
 * FerretDB/SQLite. The tip is only a hint and may lag (a writer between its insert and its
 * raise, killed there, or alone until now): a head learnt from a lagging tip only costs another
 * conflict, and a tip that lags twice in a row is replaced by the scan, which raises it.
 */
export class Ledger {
  private current: ChainPosition | undefined;
  private stale = true;
  private queue: Entry[] = [];
  private flushing = false;
  /** When a seq race was last lost: other writers are active (see `contended`). */
  private lastConflict = 0;

  constructor(
    private readonly c: Collections,
    private readonly log: Logger,
  ) {}

  /** The last receipt's position, undefined while the chain is empty. */
  head(): ChainPosition | undefined {
    return this.current;
  }

  /**
   * The head from the receipts (a scan), and `chainTip` set to it: a tip ahead of the receipts
   * (a database restored from a backup with one) would name a head that is not there.
   */
  async load(): Promise<void> {
    await this.reload();
    if (this.current) {
      const { seq, hash } = this.current;
      await this.c.chainTip.updateOne({ _id: TIP }, { $set: { seq, hash } }, { upsert: true });
    } else {
      await this.c.chainTip.deleteOne({ _id: TIP });
    }
  }

  /** The head from the receipts themselves (a scan on FerretDB): at start and after doubt. */
  private async reload(): Promise<void> {
    const last = await this.c.receipts.find({}).sort({ seq: -1 }).limit(1).next();
    this.current = last ? { seq: last.seq, hash: last.hash } : undefined;
    this.stale = false;
    if (this.current) await this.raiseTip(this.current);
  }

  /** Whether another writer was met lately: then every stored batch raises the tip. */
  private contended(): boolean {
    return Date.now() - this.lastConflict < CONTENDED_MS;
  }

  /** Raises `chainTip` to `pos` unless it is there or beyond already. */
  private async raiseTip(pos: ChainPosition): Promise<void> {
    try {
      await this.c.chainTip.updateOne(
        { _id: TIP, seq: { $lt: pos.seq } },
        { $set: { seq: pos.seq, hash: pos.hash } },
        { upsert: true },
      );
    } catch (err) {
      // The upsert's insert met the row: another writer raised it to pos or beyond.
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  /**
   * After losing a seq race: the head from `chainTip` if it is ahead of ours, else (the tip
   * lags the receipts) the scan once the tip lagged twice in a row.
   */
  private async catchUp(lagged: boolean): Promise<boolean> {
    const tip = await this.c.chainTip.findOne({ _id: TIP });
    if (tip && tip.seq > (this.current?.seq ?? 0)) {
      this.current = { seq: tip.seq, hash: tip.hash };
      return false;
    }
    if (lagged) {
      await this.reload();
      return false;
    }
    return true;
  }

  /** The receipt attesting `key`, if any. */
  async find(key: string): Promise<Receipt | undefined> {
    const doc = await this.c.receipts.findOne({ _id: key });
    return doc ? toReceipt(doc) : undefined;
  }

  /**
   * The receipt for `key`: appended unless one exists already (then that one, whatever `body`
   * says now: the first attestation stands).
   */
  append(key: string, body: ReceiptBody): Promise<Receipt> {
    return new Promise<Receipt>((resolve, reject) => {
      const waiter = { resolve, reject };
      const same = this.queue.find((e) => e.key === key);
      if (same) same.waiters.push(waiter);
      else this.queue.push({ key, body, waiters: [waiter] });
      if (!this.flushing) {
        this.flushing = true;
        // Let the appends of this turn (and of I/O callbacks ready now) join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.flush(batch);
      } catch (err) {
        // Unknown outcome: the in-memory head can no longer be trusted, and every caller
        // still waiting learns it (its retry finds whatever was stored, by key).
        this.stale = true;
        for (const e of batch) for (const w of e.waiters) w.reject(err);
      }
    }
    this.flushing = false;
  }

  /** Stores `batch` in order; settles each entry (callers waiting on a settled one ignore it). */
  private async flush(batch: Entry[]): Promise<void> {
    let rest = batch;
    let conflicts = 0;
    let lagged = false;
    while (rest.length > 0) {
      if (this.stale) await this.reload();
      // Chain the events in order; a body the chain refuses fails its own callers only.
      const docs: ReceiptDoc[] = [];
      const entries: Entry[] = [];
      let prev = this.current;
      for (const e of rest) {
        try {
          const receipt = chainReceipt(prev, e.body);
          docs.push({ ...receipt, _id: e.key });
          entries.push(e);
          prev = { seq: receipt.seq, hash: receipt.hash };
        } catch (err) {
          for (const w of e.waiters) w.reject(err);
        }
      }
      if (docs.length === 0) return;
      let stored = docs.length;
      let failure: { index: number; duplicate: boolean } | undefined;
      try {
        await this.c.receipts.insertMany(docs, { ordered: true });
      } catch (err) {
        failure = firstWriteError(err);
        if (!failure?.duplicate) throw err;
        stored = failure.index;
      }
      // Ordered: everything before the failed document is in the chain.
      const last = docs[stored - 1];
      if (last) this.current = { seq: last.seq, hash: last.hash };
      for (let i = 0; i < stored; i++) {
        const doc = docs[i];
        if (doc) for (const w of entries[i]?.waiters ?? []) w.resolve(toReceipt(doc));
      }
      // Only while others write: a lone writer's tip is raised by whoever next loses a race
      // to it (after a scan), so it costs nothing per batch.
      if (this.current && last && this.contended()) await this.raiseTip(this.current);
      if (!failure) return;
      const failed = entries[failure.index];
      rest = entries.slice(failure.index + 1);
      if (!failed) continue;
      // A duplicate: either the event is attested already (a replay), or the seq was taken
      // by another writer, and then the head is reloaded and the rest chained after it.
      const existing = await this.find(failed.key);
      if (existing) {
        for (const w of failed.waiters) w.resolve(existing);
        continue;
      }
      conflicts++;
      this.lastConflict = Date.now();
      this.log.debug(
        { key: failed.key, seq: docs[failure.index]?.seq },
        "receipt seq taken by another writer; chaining after its head",
      );
      if (conflicts > MAX_CONFLICTS) throw new Error("receipt chain contended by another writer");
      lagged = await this.catchUp(lagged);
      // The tip lags: its writer is between its insert and its raise; give it a moment.
      if (lagged) await sleep(2 + Math.random() * 8);
      rest = [failed, ...rest];
    }
  }
}
