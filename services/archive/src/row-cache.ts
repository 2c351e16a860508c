import type { Collection, Document, Filter, InsertOneResult, UpdateFilter } from "mongodb";
import { GroupCommit } from "./group-commit.js";

/**
 * A write-through cache of rows by `_id`, in front of one collection.
 *
 * Why: the hot paths read rows a neighbouring step wrote moments before (a fetch reads the
 * letter's bytes its accept stored; twenty recipients read them twenty times), so the archive
 * keeps the rows it wrote or read and saves those finds. It was built when FerretDB scanned the
 * table for every `_id` lookup; with the `_id` expression index its Go main now adds
 * (infra/ferretdb) a find is an index lookup, and the cache still pays: measured back to back
 * (`EDOC_BENCH_CASES=1,3 pnpm bench`, 2026-12-06, docs/performance.md) it cuts finds by a third
 * and, for 20 recipients, the archive's CPU per letter by ≈ 8 % and FerretDB's by ≈ 17 %.
 * Several archive instances share the database (docs/archive.md), so only collections whose
 * rows never change once written are cached (`maxRows` > 0: settled deliveries, small blobs);
 * the others use the group-committed writes alone (`maxRows` 0).
 *
 * It only ever holds what the database confirmed: a row enters after its insert or read
 * succeeded, a `$set`/`$addToSet` by `_id` is applied after the update succeeded (and only when
 * no other write to that row ran meanwhile), any other write by `_id` drops the row, and a
 * write with another filter empties the cache. Queries other than `findOne({_id})` go to the
 * database as they are.
 */
export interface RowCacheOptions<T> {
  /** The most rows kept, least recently used dropped first (0: inserts are batched only). */
  maxRows: number;
  /** Rows larger than this (by `weight`) are never kept. */
  maxWeight?: number;
  weight?: (row: T) => number;
  /** A copy handed out and kept, so callers' changes never reach the cache. */
  copy?: (row: T) => T;
}

type Row = Document & { _id: string };

/**
 * A collection with group-committed writes by `_id` whose callers need no count back
 * (group-commit.ts): for the hot paths' unconditional updates and deletes.
 */
export type CachedCollection<T extends Row> = Collection<T> & {
  updateById(id: string, update: UpdateFilter<T>): Promise<void>;
  deleteById(id: string): Promise<void>;
};

/** Per-row write counters kept before the idle ones are forgotten. */
const MAX_TRACKED = 20_000;

export function cachedById<T extends Row>(
  collection: Collection<T>,
  opts: RowCacheOptions<T>,
): CachedCollection<T> {
  const rows = new Map<string, T>();
  /** Writes started per `_id` (a read that overlapped one does not fill the cache). */
  const writes = new Map<string, number>();
  const busy = new Map<string, number>();
  let epoch = 0;
  const copy = opts.copy ?? ((r: T) => structuredClone(r));

  const keep = (row: T) => {
    if (opts.maxRows === 0) return;
    if (opts.maxWeight !== undefined && (opts.weight?.(row) ?? 0) > opts.maxWeight) return;
    rows.delete(row._id);
    rows.set(row._id, copy(row));
    if (rows.size > opts.maxRows) {
      const oldest = rows.keys().next().value;
      if (oldest !== undefined) rows.delete(oldest);
    }
  };
  const begin = (id: string) => {
    writes.set(id, (writes.get(id) ?? 0) + 1);
    busy.set(id, (busy.get(id) ?? 0) + 1);
    const before = rows.get(id);
    rows.delete(id);
    return { before, writesAtStart: writes.get(id) ?? 0, epochAtStart: epoch };
  };
  const end = (id: string) => {
    const n = (busy.get(id) ?? 1) - 1;
    if (n === 0) busy.delete(id);
    else busy.set(id, n);
    if (writes.size > MAX_TRACKED) {
      // Forget the counters of idle rows; reads and writes in flight then keep nothing.
      for (const k of writes.keys()) if (!busy.has(k)) writes.delete(k);
      epoch++;
    }
  };
  const alone = (id: string, w: { writesAtStart: number; epochAtStart: number }) =>
    writes.get(id) === w.writesAtStart && epoch === w.epochAtStart && busy.get(id) === 1;
  const clearAll = () => {
    epoch++;
    rows.clear();
  };

  const batch = new GroupCommit(collection);
  /** A group-committed write to row `id`: the cached row is dropped (its outcome is unknown). */
  const grouped = async (id: string, write: () => Promise<void>) => {
    begin(id);
    try {
      await write();
    } finally {
      end(id);
    }
  };
  const handlers: Partial<Record<keyof CachedCollection<T>, unknown>> = {
    updateById: (id: string, update: UpdateFilter<T>) =>
      grouped(id, () => batch.update(id, update)),
    deleteById: (id: string) => grouped(id, () => batch.delete(id)),
    async findOne(filter?: Filter<T>, options?: object) {
      const id = idOf(filter);
      if (id === undefined || (options && "session" in options)) {
        return collection.findOne(filter ?? {}, options);
      }
      const hit = rows.get(id);
      if (hit) {
        rows.delete(id);
        rows.set(id, hit);
        return project(copy(hit), options);
      }
      const startWrites = writes.get(id) ?? 0;
      const startEpoch = epoch;
      // Read whole (no projection): what is kept must be the complete row.
      const row = (await collection.findOne({ _id: id } as Filter<T>)) as T | null;
      if (row && !busy.has(id) && (writes.get(id) ?? 0) === startWrites && epoch === startEpoch) {
        keep(row);
      }
      return row && project(row, options);
    },
    async insertOne(doc: T, options?: object) {
      const w = begin(doc._id);
      try {
        let res: InsertOneResult;
        if (options) res = await collection.insertOne(doc as never, options);
        else {
          await batch.insert(doc);
          res = { acknowledged: true, insertedId: doc._id as never };
        }
        if (alone(doc._id, w)) keep(doc);
        return res;
      } finally {
        end(doc._id);
      }
    },
    async insertMany(docs: T[], options?: object) {
      const started = docs.map((d) => ({ id: d._id, w: begin(d._id) }));
      try {
        const res = await collection.insertMany(docs as never, options);
        docs.forEach((d, i) => {
          const s = started[i];
          if (s && alone(s.id, s.w)) keep(d);
        });
        return res;
      } finally {
        for (const s of started) end(s.id);
      }
    },
    async updateOne(filter: Filter<T>, update: UpdateFilter<T>, options?: object) {
      const id = idOf(filter, true);
      if (id === undefined) {
        clearAll();
        return collection.updateOne(filter, update, options);
      }
      const w = begin(id);
      try {
        const res = await collection.updateOne(filter, update, options);
        const after =
          w.before && res.matchedCount === 1 && isExactId(filter)
            ? applied(w.before, update)
            : undefined;
        if (after && alone(id, w)) keep(after);
        return res;
      } finally {
        end(id);
      }
    },
  };
  for (const name of ["replaceOne", "deleteOne", "findOneAndUpdate", "findOneAndDelete"] as const) {
    handlers[name] = async (filter: Filter<T>, ...rest: unknown[]) => {
      const id = idOf(filter, true);
      if (id === undefined) clearAll();
      else begin(id);
      try {
        return await (collection[name] as (...a: unknown[]) => Promise<unknown>).call(
          collection,
          filter,
          ...rest,
        );
      } finally {
        if (id !== undefined) end(id);
      }
    };
  }
  for (const name of [
    "updateMany",
    "deleteMany",
    "bulkWrite",
    "drop",
    "findOneAndReplace",
  ] as const) {
    handlers[name] = async (...args: unknown[]) => {
      clearAll();
      try {
        return await (collection[name] as (...a: unknown[]) => Promise<unknown>).apply(
          collection,
          args,
        );
      } finally {
        clearAll();
      }
    };
  }

  return new Proxy(collection as CachedCollection<T>, {
    get(target, prop, receiver) {
      const own = handlers[prop as keyof CachedCollection<T>];
      if (own) return own;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The `_id` a filter names, when it is `{_id: "…"}` (with `loose`, alongside other fields). */
function idOf(filter: unknown, loose = false): string | undefined {
  if (!filter || typeof filter !== "object") return undefined;
  const id = (filter as { _id?: unknown })._id;
  if (typeof id !== "string") return undefined;
  return loose || Object.keys(filter).length === 1 ? id : undefined;
}

const isExactId = (filter: unknown) => idOf(filter) !== undefined;

/** A projection (`{ field: 0 }` excluding, or `{ field: 1 }` including) applied to a row. */
function project<T extends Row>(row: T, options?: object): T {
  const projection = (options as { projection?: Record<string, number> } | undefined)?.projection;
  if (!projection) return row;
  const including = Object.values(projection).some((on) => on === 1);
  const out: Record<string, unknown> = including ? { _id: row._id } : { ...row };
  for (const [field, on] of Object.entries(projection)) {
    if (on === 0) delete out[field];
    else if (field in row) out[field] = row[field];
  }
  return out as T;
}

/**
 * The row after an update made only of top-level `$set` and `$addToSet` (with or without
 * `$each`), as MongoDB applies them; undefined for anything else (the row is then dropped).
 * `$addToSet` compares values as MongoDB does for the documents the archive builds: same
 * fields in the same order.
 */
function applied<T extends Row>(row: T, update: UpdateFilter<T>): T | undefined {
  const out: Record<string, unknown> = { ...row };
  for (const [op, fields] of Object.entries(update)) {
    if (!fields || typeof fields !== "object") return undefined;
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      if (field.includes(".") || field === "_id") return undefined;
      if (op === "$set") {
        if (value === undefined) continue; // ignoreUndefined: not written
        out[field] = value;
      } else if (op === "$addToSet") {
        const list = out[field] ?? [];
        if (!Array.isArray(list)) return undefined;
        const each =
          value && typeof value === "object" && "$each" in value
            ? (value as { $each: unknown }).$each
            : [value];
        if (!Array.isArray(each)) return undefined;
        const next = [...list];
        const seen = new Set(next.map((v) => JSON.stringify(v)));
        for (const v of each) {
          const k = JSON.stringify(v);
          if (!seen.has(k)) {
            seen.add(k);
            next.push(v);
          }
        }
        out[field] = next;
      } else {
        return undefined;
      }
    }
  }
  return out as T;
}
