import { randomUUID } from "node:crypto";
import type { Logger } from "@edoc/runtime";
import { isDuplicateKeyError } from "@edoc/store";
import type { LockDoc } from "./collections.js";

/** A FIFO async mutex: `run` executes one function at a time, in call order. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    // The next caller waits for this one whatever its outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** One mutex per key, dropped when idle: serializes work on the same packet. */
export class KeyedLocks {
  private readonly locks = new Map<string, { mutex: Mutex; users: number }>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let entry = this.locks.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.locks.set(key, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.run(fn);
    } finally {
      entry.users--;
      if (entry.users === 0) this.locks.delete(key);
    }
  }
}

/** What lease locks need of the `locks` collection (collections.ts). */
export interface LockRows {
  insertOne(doc: LockDoc): Promise<unknown>;
  findOne(filter: { _id: string }): Promise<LockDoc | null>;
  updateOne(
    filter: { _id: string; owner: string },
    update: { $set: Partial<LockDoc> },
  ): Promise<{ matchedCount: number }>;
  deleteMany(filter: { $or: { _id: string; owner: string }[] }): Promise<unknown>;
}

export interface LeaseOptions {
  /** How long a lease lasts unless renewed (renewed every third of it while held). */
  leaseMs: number;
  /** Longest pause between two attempts at a lock another instance holds. */
  maxWaitStepMs?: number;
}

/**
 * Lease locks (khóa thuê) shared by every archive instance: a key is held by the instance
 * whose row `{ _id: key, owner, expiresAt }` is in `locks`. Taking it is an insert (the unique
 * `_id` decides; group-committed with concurrent ones), giving it back a delete by `_id` and
 * owner (batched too); while held it is renewed. A row past `expiresAt` (its owner was killed) is taken over
 * by whoever inserts the claim `<key>@<old owner>` first (`takeOver`).
 * Within one instance the keyed mutex queues callers first, so they never contend in the DB.
 */
export class LeaseLocks {
  private readonly local = new KeyedLocks();
  private readonly instance = randomUUID();
  private turn = 0;
  private releases: {
    lock: { _id: string; owner: string };
    resolve: () => void;
    reject: (err: unknown) => void;
  }[] = [];
  private releasing = false;
  /** Runs not yet finished, their releases included (`idle`). */
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly rows: LockRows,
    private readonly log: Logger,
    private readonly opts: LeaseOptions,
  ) {}

  /**
   * Runs `fn` holding `key`. Its outcome is handed back as soon as `fn` settles, without waiting
   * for the release's delete (a database round trip off every accept's answer); this
   * instance's next caller for the key still waits until the row is gone.
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = this.local
        .run(key, async () => {
          const owner = `${this.instance}:${++this.turn}`;
          await this.acquire(key, owner);
          const every = Math.max(50, Math.floor(this.opts.leaseMs / 3));
          const renew = setInterval(() => void this.renew(key, owner), every);
          try {
            resolve(await fn());
          } catch (err) {
            reject(err);
          } finally {
            clearInterval(renew);
            await this.release(key, owner).catch((err: unknown) =>
              this.log.warn({ err, lock: key }, "lock not released; it expires"),
            );
          }
        })
        .catch(reject)
        .finally(() => this.running.delete(run));
      this.running.add(run);
    });
  }

  /** Resolves once every run begun has given its lock back (a clean stop leaves no lease). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * Gives a lock back. Releases made while one is being written leave together in the next
   * delete (one command for many, as inserts are group-committed).
   */
  private release(key: string, owner: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.releases.push({ lock: { _id: key, owner }, resolve, reject });
      if (!this.releasing) void this.flushReleases();
    });
  }

  private async flushReleases(): Promise<void> {
    this.releasing = true;
    while (this.releases.length > 0) {
      const batch = this.releases.splice(0, 256);
      try {
        await this.rows.deleteMany({ $or: batch.map((r) => r.lock) });
        for (const r of batch) r.resolve();
      } catch (err) {
        for (const r of batch) r.reject(err);
      }
    }
    this.releasing = false;
  }

  private async acquire(key: string, owner: string): Promise<void> {
    let wait = 5;
    for (;;) {
      const expiresAt = Date.now() + this.opts.leaseMs;
      try {
        await this.rows.insertOne({ _id: key, owner, expiresAt });
        return;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const held = await this.rows.findOne({ _id: key });
      if (held && held.expiresAt < Date.now() && (await this.takeOver(key, held, owner))) return;
      // Held (or just released: the insert is tried again first thing).
      if (held) await sleep(wait * (0.5 + Math.random()));
      wait = Math.min(wait * 2, this.opts.maxWaitStepMs ?? 200);
    }
  }

  /**
   * Takes over an expired lease. The claim is an insert (`<key>@<expired owner>`): the unique
   * `_id` picks one waiter, which then moves the row to itself.
   */
  private async takeOver(key: string, held: LockDoc, owner: string): Promise<boolean> {
    try {
      await this.rows.insertOne({ _id: `${key}@${held.owner}`, owner, expiresAt: 0 });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return false; // another waiter took it
    }
    await this.rows.updateOne(
      { _id: key, owner: held.owner },
      { $set: { owner, expiresAt: Date.now() + this.opts.leaseMs } },
    );
    // Released meanwhile (the holder was slow, not dead): take it the ordinary way.
    const now = await this.rows.findOne({ _id: key });
    if (now?.owner !== owner) return false;
    this.log.warn({ lock: key, from: held.owner }, "expired lock taken over");
    return true;
  }

  private async renew(key: string, owner: string): Promise<void> {
    try {
      const res = await this.rows.updateOne(
        { _id: key, owner },
        { $set: { expiresAt: Date.now() + this.opts.leaseMs } },
      );
      if (res.matchedCount === 0) this.log.error({ lock: key }, "lock lease lost while held");
    } catch (err) {
      this.log.warn({ err, lock: key }, "lock lease not renewed");
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
