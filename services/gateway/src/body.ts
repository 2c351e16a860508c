import { sha256Hex } from "@edoc/receipts";
import busboy from "busboy";
import type { Request } from "express";
import { ApiError } from "./errors.js";
import { type ScannedRun, SkeletonScanner } from "./skeleton.js";
import { Spool } from "./spool.js";

/** Bodies up to this size are held in memory as today; larger ones are spooled to disk. */
const STREAM_THRESHOLD = 1024 * 1024;

/** A received packet: its bytes in memory, or on disk with the skeleton to parse and verify. */
export type PacketBody =
  | { readonly kind: "inline"; readonly bytes: Buffer; readonly size: number; dispose(): void }
  | {
      readonly kind: "spooled";
      readonly spool: Spool;
      /** The body with its long base64 texts replaced by placeholders (see SkeletonScanner). */
      readonly skeleton: Buffer;
      readonly prefix: string;
      readonly runs: readonly ScannedRun[];
      readonly size: number;
      dispose(): void;
    };

/** sha256 hex of the exact bytes received. */
export function bodyDigest(body: PacketBody): string {
  return body.kind === "inline" ? sha256Hex(body.bytes) : body.spool.digest();
}

/**
 * Collects a body: in memory up to `threshold` bytes, then into a spool file with the skeleton
 * built on the way. Whoever gets the body disposes of it (the spool is deleted then).
 */
class BodySink {
  private chunks: Buffer[] = [];
  private spool: Spool | undefined;
  private scanner: SkeletonScanner | undefined;
  /** dropTrailingCrlf: the last two bytes seen, written only once more follow */
  private held: Buffer | undefined;
  size = 0;

  constructor(
    private readonly threshold: number,
    private readonly dropTrailingCrlf = false,
  ) {}

  write(chunk: Buffer): void {
    if (!this.dropTrailingCrlf) {
      this.take(chunk);
      return;
    }
    const all = this.held ? Buffer.concat([this.held, chunk]) : chunk;
    const keep = Math.max(0, all.length - 2);
    this.held = Buffer.from(all.subarray(keep));
    if (keep > 0) this.take(all.subarray(0, keep));
  }

  private take(chunk: Buffer): void {
    this.size += chunk.length;
    if (!this.spool) {
      this.chunks.push(chunk);
      if (this.size <= this.threshold) return;
      const spool = new Spool();
      this.spool = spool;
      this.scanner = new SkeletonScanner((offset, length) => spool.readRange(offset, length));
      const held = this.chunks;
      this.chunks = [];
      for (const c of held) this.spoolChunk(c);
      return;
    }
    this.spoolChunk(chunk);
  }

  private spoolChunk(chunk: Buffer): void {
    this.spool!.write(chunk); // first: the scanner may read back what it has just seen
    this.scanner!.push(chunk);
  }

  body(): PacketBody {
    if (this.held && !this.held.equals(CRLF)) this.take(this.held);
    this.held = undefined;
    const { spool, scanner } = this;
    if (!spool || !scanner) {
      const bytes = Buffer.concat(this.chunks, this.size);
      return { kind: "inline", bytes, size: bytes.length, dispose: () => {} };
    }
    return {
      kind: "spooled",
      spool,
      skeleton: scanner.finish(),
      prefix: scanner.prefix,
      runs: scanner.runs,
      size: spool.size,
      dispose: () => spool.dispose(),
    };
  }

  /** Drops whatever was received (a refused or broken request). */
  dispose(): void {
    this.chunks = [];
    this.spool?.dispose();
  }
}

const CRLF = Buffer.from("\r\n");

const XML_TYPES = [
  "application/xml",
  "text/xml",
  "application/octet-stream",
  "application/edxml+xml",
];

export interface BodyOptions {
  /** in memory up to this many bytes, spooled above */
  threshold?: number;
  /**
   * The VDXP door: the axis SDK sends the edXML followed by CRLF as a raw body; that one
   * trailing CRLF is not part of the file, so both doors store and deliver the same bytes.
   */
  dropTrailingCrlf?: boolean;
}

/**
 * The packet's exact bytes, from a raw XML body or, as the national axis's `sendEdoc` does,
 * a multipart upload with field `file`: in memory up to `threshold` bytes, spooled (with its
 * skeleton) above. Stops reading past `limit` bytes. The caller disposes of the body.
 */
export async function readPacketBody(
  req: Request,
  limit: number,
  opts: BodyOptions = {},
): Promise<PacketBody> {
  const threshold = opts.threshold ?? STREAM_THRESHOLD;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit * 1.1 + 64 * 1024) throw tooLarge(limit);
  // A multipart part carries the file exactly (the SDK's CRLF is a raw body's).
  if (type === "multipart/form-data") return readMultipart(req, limit, new BodySink(threshold));
  if (XML_TYPES.includes(type) || type === "")
    return readRaw(req, limit, new BodySink(threshold, opts.dropTrailingCrlf));
  throw ApiError.of(
    "UNSUPPORTED_MEDIA_TYPE",
    `send the .edxml as application/xml, or multipart/form-data with field "file" (got ${type})`,
  );
}

function tooLarge(limit: number): ApiError {
  return ApiError.of("PAYLOAD_TOO_LARGE", `packet larger than ${limit} bytes`, { limit });
}

/** The temporary file could not take the body (disk full, say): the hub's fault, retry later. */
function spoolFailed(err: unknown): ApiError {
  return ApiError.of("HUB_UNAVAILABLE", `cannot spool the body: ${(err as Error).message}`);
}

/**
 * Bytes already in hand (a packet pulled from the upstream hub) as a body, the same way a
 * request's is kept: spooled with its skeleton above `threshold`, so a large letter is verified
 * and handed to the archive in chunks as on either door. The caller disposes of it.
 */
export function bodyOfBytes(bytes: Buffer, threshold = STREAM_THRESHOLD): PacketBody {
  const sink = new BodySink(threshold);
  try {
    for (let at = 0; at < bytes.length; at += 1 << 20)
      sink.write(bytes.subarray(at, at + (1 << 20)));
    return sink.body();
  } catch (err) {
    sink.dispose();
    throw spoolFailed(err);
  }
}

/** The whole body is in: hands it over, or (the spool failed at the end) cleans up. */
function complete(
  sink: BodySink,
  resolve: (body: PacketBody) => void,
  reject: (err: unknown) => void,
): void {
  try {
    resolve(sink.body());
  } catch (err) {
    sink.dispose();
    reject(err);
  }
}

function readRaw(req: Request, limit: number, sink: BodySink): Promise<PacketBody> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: ApiError) => {
      if (settled) return;
      settled = true;
      req.removeAllListeners("data");
      req.resume();
      sink.dispose();
      reject(err);
    };
    req.on("data", (c: Buffer) => {
      if (settled) return;
      if (sink.size + c.length > limit) {
        fail(tooLarge(limit));
        return;
      }
      try {
        sink.write(c);
      } catch (err) {
        fail(spoolFailed(err));
      }
    });
    req.on("end", () => {
      if (settled) return;
      settled = true;
      complete(sink, resolve, reject);
    });
    req.on("error", (err) =>
      fail(ApiError.of("BAD_REQUEST", `request body incomplete: ${err.message}`)),
    );
  });
}

function readMultipart(req: Request, limit: number, sink: BodySink): Promise<PacketBody> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: ApiError) => {
      if (settled) return;
      settled = true;
      sink.dispose();
      req.unpipe();
      req.resume(); // the error handler closes the connection; nothing more is parsed
      reject(err);
    };
    const malformed = (err: Error) =>
      fail(ApiError.of("BAD_REQUEST", `malformed multipart body: ${err.message}`));
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: limit, files: 1, fields: 20 } });
    } catch (err) {
      malformed(err as Error);
      return;
    }
    let file = false;
    let failure: ApiError | undefined;
    bb.on("file", (name, stream) => {
      // Every stream gets an error listener: busboy errors them on a truncated body, and an
      // unhandled 'error' would take the whole gateway down.
      stream.on("error", malformed);
      if (name !== "file") {
        stream.resume();
        return;
      }
      stream.on("data", (c: Buffer) => {
        if (settled || failure) return;
        try {
          sink.write(c);
        } catch (err) {
          failure = spoolFailed(err);
        }
      });
      stream.on("limit", () => {
        failure = tooLarge(limit);
      });
      stream.on("end", () => {
        file = true;
      });
    });
    bb.on("filesLimit", () => {
      failure ??= ApiError.of(
        "BAD_REQUEST",
        'multipart body has more than one file; send one "file"',
      );
    });
    bb.on("error", malformed);
    bb.on("close", () => {
      if (settled) return;
      if (failure) fail(failure);
      else if (!file) fail(ApiError.of("BAD_REQUEST", 'multipart body has no field "file"'));
      else {
        settled = true;
        complete(sink, resolve, reject);
      }
    });
    req.on("error", malformed);
    req.pipe(bb);
  });
}
