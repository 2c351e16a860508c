import type { DeliveryNow } from "@edoc/routing";
import { isDuplicateKeyError } from "@edoc/store";
import type { Collection, Filter } from "mongodb";
import type { DeliveryDoc, DeliveryMoveDoc } from "./collections.js";
import type { CachedCollection } from "./row-cache.js";

/** A stored delivery as the lifecycle (@edoc/routing decideDelivery) judges it. */
export function lifecycleOf(d: DeliveryDoc): DeliveryNow {
  return { id: d._id, state: d.state, ...(d.ackResult ? { ackResult: d.ackResult } : {}) };
}

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
 * are there), so until the interrupted request is retried — which settles it again — the
 * delivery reads as still open; queries over both prefer the settled row. State changes are
 * conditional writes (`move`), so instances racing on one delivery agree on one outcome.
 */
export class Deliveries {
  constructor(
    readonly open: CachedCollection<DeliveryDoc>,
    readonly settled: Collection<DeliveryDoc>,
    /** `deliveryMoves`: the claims of moves out of `available` (see `move`). */
    readonly moves: Collection<DeliveryMoveDoc>,
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
    // One by one, group-committed with other plans' deliveries (row-cache.ts).
    const outcomes = await Promise.allSettled(candidates.map((d) => this.open.insertOne(d)));
    const inserted: DeliveryDoc[] = [];
    outcomes.forEach((o, i) => {
      const d = candidates[i];
      if (o.status === "fulfilled" && d) inserted.push(d);
      else if (o.status === "rejected" && !isDuplicateKeyError(o.reason)) throw o.reason;
    });
    return inserted;
  }

  /**
   * Moves `row` to `patch.state` if it is still in the state it was read in, and returns the
   * delivery as it stands afterwards: with the patch when this call won, else as the request
   * that moved it first left it (the caller judges again on that). Any number of archive
   * instances serve one delivery, so each move is claimed in the database, by an insert (the
   * unique `_id` picks the winner, and the open row's update stays a group-committed one):
   * - out of available (fetched, withdrawn): the `deliveryMoves` row `<deliveryId>:available`
   *   holding the move; the loser reads it and writes it too (idempotent: this also heals a
   *   claim whose writer died before its update);
   * - out of fetched (acknowledged, failed): the insert of the settled row, whose unique `_id`
   *   lets one result in (the loser reads the winner's), then the open row is deleted.
   * A withdrawal is settled after its claim (a crash in between leaves the open row withdrawn,
   * which reads as withdrawn; the replay settles it).
   */
  async move(row: DeliveryDoc, patch: Partial<DeliveryDoc>): Promise<DeliveryDoc> {
    const state = patch.state ?? row.state;
    if (row.state === "available") {
      const claim: DeliveryMoveDoc = { _id: `${row._id}:available`, patch };
      try {
        await this.moves.insertOne(claim);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const won = await this.moves.findOne({ _id: claim._id });
        if (won) claim.patch = won.patch;
      }
      const moved: DeliveryDoc = { ...row, ...claim.patch };
      await this.open.updateById(row._id, { $set: claim.patch });
      return SETTLED.includes(moved.state) ? this.settle(moved) : moved;
    }
    if (SETTLED.includes(state) && OPEN.includes(row.state))
      return this.settle({ ...row, ...patch });
    throw new Error(`deliveries: no move from ${row.state} to ${state}`);
  }

  /**
   * Completes a settle interrupted after its open row was claimed (a withdrawn open row): the
   * final row in `settledDeliveries`, the open one deleted.
   */
  async finishSettle(row: DeliveryDoc): Promise<DeliveryDoc> {
    return this.settle(row);
  }

  /** Inserts the final row (or reads the one there: the first stands), deletes the open one. */
  private async settle(final: DeliveryDoc): Promise<DeliveryDoc> {
    let stored = final;
    try {
      await this.settled.insertOne(final);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      stored = (await this.settled.findOne({ _id: final._id })) ?? final;
    }
    await this.open.deleteById(final._id);
    return stored;
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
      // A peer hub's link lists its deliveries by hub, oldest first (federation).
      await c.createIndex({ hub: 1, availableAt: 1 }, { name: "hub-inbox" });
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
