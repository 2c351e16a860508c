import {
  type Db,
  MongoBulkWriteError,
  MongoClient,
  MongoServerError,
  type WriteError,
} from "mongodb";

export type { Collection, Db, Filter } from "mongodb";

export interface StoreOptions {
  /** A MongoDB URL: a replica set in production, FerretDB here. */
  url: string;
  dbName: string;
  /** Fail fast at start when the server cannot be reached. */
  serverSelectionTimeoutMs?: number;
  /** Called after every database command (name, milliseconds): metrics and load profiling. */
  onCommand?: (name: string, ms: number) => void;
}

export interface Store {
  readonly db: Db;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Connects with the settings both MongoDB and FerretDB accept: no retryable writes (FerretDB
 * lacks them; every write of ours is an idempotent upsert or a unique-keyed insert instead).
 */
export async function connectStore(opts: StoreOptions): Promise<Store> {
  const client = new MongoClient(opts.url, {
    retryWrites: false,
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMs ?? 10_000,
    monitorCommands: opts.onCommand !== undefined,
  });
  const onCommand = opts.onCommand;
  if (onCommand) {
    client.on("commandSucceeded", (e) => onCommand(e.commandName, e.duration));
    client.on("commandFailed", (e) => onCommand(e.commandName, e.duration));
  }
  await client.connect();
  const db = client.db(opts.dbName);
  return {
    db,
    async ping() {
      try {
        await db.command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}

/** True when an insert hit a unique index: the record exists already (idempotent replay). */
export function isDuplicateKeyError(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** The per-document errors of a failed insertMany (by index in the batch); none for other errors. */
export function writeErrorsOf(err: unknown): WriteError[] {
  return err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : [];
}

/**
 * Keys MongoDB and FerretDB both store safely: none starting with `$` or containing `.`.
 * Returns the offending key path, or undefined.
 */
export function unsafeKey(value: unknown, path = ""): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const bad = unsafeKey(v, `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (value instanceof Date || Buffer.isBuffer(value) || value instanceof Uint8Array)
    return undefined;
  for (const [k, v] of Object.entries(value)) {
    const p = path ? `${path}.${k}` : k;
    if (k.startsWith("$") || k.includes(".")) return p;
    const bad = unsafeKey(v, p);
    if (bad) return bad;
  }
  return undefined;
}
