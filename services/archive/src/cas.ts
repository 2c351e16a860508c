import { isDuplicateKeyError } from "@edoc/store";
import type { Collection, Filter, OptionalUnlessRequiredId } from "mongodb";
import { KeyedLocks } from "./lock.js";

/** A row changed only by versioned conditional updates: `v` counts its writes. */
export interface Versioned {
  _id: string;
  v: number;
}

/** Callers of this process queue per row, so they never contend in the database. */
const local = new KeyedLocks();

/**
 * Read, compute, write only if nobody wrote in between (`v` unchanged), else read again: the
 * database's conditional update decides between the archive instances (MongoDB, and FerretDB
 * through its main's per-collection turns, infra/ferretdb/serialwrites.go).
 * `next` returns the row's new fields (none: leave the row as it is) and what to answer; it may
 * be called several times.
 */
export function casUpdate<D extends Versioned, R>(
  coll: Collection<D>,
  id: string,
  next: (current: D | null) => { fields?: Omit<D, "_id" | "v">; answer: R },
): Promise<R> {
  return local.run(`${coll.collectionName}:${id}`, () => attempt(coll, id, next));
}

async function attempt<D extends Versioned, R>(
  coll: Collection<D>,
  id: string,
  next: (current: D | null) => { fields?: Omit<D, "_id" | "v">; answer: R },
  tries = 50,
): Promise<R> {
  for (let i = 0; i < tries; i++) {
    const current = (await coll.findOne({ _id: id } as Filter<D>)) as D | null;
    const { fields, answer } = next(current);
    if (fields === undefined) return answer;
    if (current === null) {
      try {
        await coll.insertOne({ _id: id, v: 1, ...fields } as OptionalUnlessRequiredId<D>);
        return answer;
      } catch (err) {
        if (isDuplicateKeyError(err)) continue;
        throw err;
      }
    }
    const r = await coll.updateOne({ _id: id, v: current.v } as Filter<D>, {
      $set: { ...fields, v: current.v + 1 } as Partial<D>,
    });
    if (r.modifiedCount === 1) return answer;
  }
  throw new Error(`${coll.collectionName} ${id}: too many concurrent writers`);
}
