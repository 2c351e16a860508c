import { isDuplicateKeyError, writeErrorsOf } from "@edoc/store";
import type { Collection, Filter } from "mongodb";
import type { DeliveryDoc } from "./collections.js";

type State = DeliveryDoc["state"];
const OPEN: readonly State[] = ["available", "fetched"];
const SETTLED: readonly State[] = ["acknowledged", "failed", "withdrawn"];

export interface FindOptions {
  /** Top-level fields, 1 ascending, -1 descending, in order of precedence. */
  sort?: Record<string, 1 | -1>;
  limit?: number;
}

/**
 * The deliveries, in two collections: `deliveries` holds the open ones (available, fetched),
 * the only ones anything updates, and `settledDeliveries` those that will not change again
 * (acknowledged, failed, withdrawn), which only ever receives inserts.
 *
 * Why: on FerretDB/SQLite an update by `_id` scans its whole collection (row-cache.ts). A
 * fetch and an acknowledgement each updated a table that grows with every delivery ever made;
 * now the fetch updates a table of the backlog only, and the acknowledgement inserts the final
 * row and deletes the open one (a scan of the backlog, too). On MongoDB both are index work.
 *
 * Settling inserts the final row first, then deletes the open one: a crash in between leaves
 * both, the open one stale. Reads by `_id` look at the open ones first (the hot paths' rows
 * are there, in the row cache), so until the interrupted request is retried — which settles it
 * again — the delivery reads as still open; queries over both prefer the settled row.
 */
export class Deliveries {
  constructor(
    readonly open: Collection<DeliveryDoc>,
    readonly settled: Collection<DeliveryDoc>,
  ) {}

  async findOne(filter: { _id: string }): Promise<DeliveryDoc | null> {
    return (await this.open.findOne(filter)) ?? (await this.settled.findOne(filter));
  }

  /**
   * Stores new deliveries as open and returns those inserted; one stored already stays as it
   * is. `replayed` names the ones an earlier run of the same plan may have stored: only those
   * are looked for among the settled ones (a settled delivery is not in the open collection,
   * and must not come back as available).
   */
  async insertAbsent(docs: DeliveryDoc[], replayed: ReadonlySet<string>): Promise<DeliveryDoc[]> {
    const candidates: DeliveryDoc[] = [];
    for (const d of docs) {
      if (!replayed.has(d._id) || !(await this.settled.findOne({ _id: d._id }))) candidates.push(d);
    }
    if (candidates.length === 0) return [];
    try {
      await this.open.insertMany(candidates, { ordered: false });
      return candidates;
    } catch (err) {
      const failures = writeErrorsOf(err);
      if (failures.length === 0 || failures.some((f) => f.code !== 11000)) throw err;
      const there = new Set(failures.map((f) => f.index));
      return candidates.filter((_, i) => !there.has(i));
    }
  }

  /** Changes an open delivery; a settled state moves it to `settledDeliveries`. */
  async set(row: DeliveryDoc, patch: Partial<DeliveryDoc>): Promise<void> {
    const state = patch.state ?? row.state;
    if (!SETTLED.includes(state)) {
      await this.open.updateOne({ _id: row._id }, { $set: patch });
      return;
    }
    const final: DeliveryDoc = { ...row, ...patch };
    try {
      await this.settled.insertOne(final);
    } catch (err) {
      // Settled already, by the same change interrupted before its open row was deleted.
      if (!isDuplicateKeyError(err)) throw err;
    }
    await this.open.deleteOne({ _id: row._id });
  }

  /**
   * The rows matching `filter` in either collection (only the one its `state` condition can
   * match), merged: a delivery in both counts once, as settled. `sort` and `limit` apply to
   * the merged rows.
   */
  async find(filter: Filter<DeliveryDoc>, options: FindOptions = {}): Promise<DeliveryDoc[]> {
    const states = statesOf(filter.state);
    const where = [
      ...(states.some((s) => OPEN.includes(s)) ? [this.open] : []),
      ...(states.some((s) => SETTLED.includes(s)) ? [this.settled] : []),
    ];
    const parts = await Promise.all(
      where.map((c) => {
        let cursor = c.find(filter);
        if (options.sort) cursor = cursor.sort(options.sort);
        if (options.limit !== undefined) cursor = cursor.limit(options.limit);
        return cursor.toArray();
      }),
    );
    const byId = new Map<string, DeliveryDoc>();
    for (const part of parts) for (const d of part) byId.set(d._id, d); // settled last: wins
    const rows = [...byId.values()];
    if (options.sort) rows.sort(comparator(options.sort));
    return options.limit !== undefined ? rows.slice(0, options.limit) : rows;
  }

  async createIndexes(): Promise<void> {
    for (const c of [this.open, this.settled]) {
      await c.createIndex({ recipient: 1, availableAt: -1 }, { name: "inbox" });
    }
  }
}

/** The states a filter's `state` condition can match: a value, `{ $in }`, or any. */
function statesOf(condition: unknown): readonly State[] {
  if (condition === undefined) return [...OPEN, ...SETTLED];
  if (typeof condition === "string") return [condition as State];
  const list = (condition as { $in?: unknown }).$in;
  if (Array.isArray(list) && Object.keys(condition as object).length === 1) return list as State[];
  throw new Error("deliveries: a state condition must be a value or { $in: [...] }");
}

function comparator(sort: Record<string, 1 | -1>) {
  const keys = Object.entries(sort);
  return (a: DeliveryDoc, b: DeliveryDoc): number => {
    for (const [field, dir] of keys) {
      // Sort fields are strings (ISO instants, ids) or numbers; a missing one sorts first.
      const x = (a as unknown as Record<string, string | number | undefined>)[field];
      const y = (b as unknown as Record<string, string | number | undefined>)[field];
      if (x === y) continue;
      if (x === undefined) return -dir;
      if (y === undefined) return dir;
      return (x < y ? -1 : 1) * dir;
    }
    return 0;
  };
}
