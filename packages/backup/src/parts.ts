import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { BSON, type Document } from "mongodb";
import type { BackupPart } from "./manifest.js";

/** The file name of a collection's part inside the backup. */
export const partName = (collection: string) => `collections/${collection}.jsonl`;

/**
 * Rows as canonical Extended JSON lines (bytes as base64 Binary, dates as $date, numbers typed),
 * so a restore writes back exactly the BSON that was read. Counted and hashed as written.
 */
export class PartWriter {
  private readonly out: WriteStream;
  private readonly hash = createHash("sha256");
  private rows = 0;
  private bytes = 0;

  constructor(
    readonly collection: string,
    readonly file: string,
  ) {
    this.out = createWriteStream(file, { flags: "wx", mode: 0o600 });
  }

  async write(row: Document): Promise<void> {
    const line = Buffer.from(`${BSON.EJSON.stringify(row, { relaxed: false })}\n`, "utf8");
    this.hash.update(line);
    this.rows++;
    this.bytes += line.length;
    if (!this.out.write(line)) await once(this.out, "drain");
  }

  async close(): Promise<BackupPart> {
    this.out.end();
    await once(this.out, "finish");
    return {
      name: partName(this.collection),
      collection: this.collection,
      rows: this.rows,
      bytes: this.bytes,
      sha256: this.hash.digest("hex"),
    };
  }
}

/** A byte range of the backup file (a tar entry's content). */
export interface Range {
  file: string;
  offset: number;
  size: number;
}

function stream(r: Range) {
  return createReadStream(r.file, { start: r.offset, end: r.offset + r.size - 1 });
}

/** SHA-256 and line count of a range. */
export async function digestRange(r: Range): Promise<{ sha256: string; rows: number }> {
  const hash = createHash("sha256");
  let rows = 0;
  if (r.size > 0) {
    for await (const chunk of stream(r) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      for (const b of chunk) if (b === 0x0a) rows++;
    }
  }
  return { sha256: hash.digest("hex"), rows };
}

/** The rows of a part, parsed back from canonical Extended JSON, with their line's length. */
export async function* readRows(r: Range): AsyncGenerator<{ row: Document; size: number }> {
  if (r.size === 0) return;
  const lines = createInterface({ input: stream(r), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.length > 0) {
      yield { row: BSON.EJSON.parse(line, { relaxed: false }) as Document, size: line.length };
    }
  }
}

/** A whole (small) range, e.g. the manifest. */
export async function readRange(r: Range): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (r.size > 0) for await (const c of stream(r) as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
