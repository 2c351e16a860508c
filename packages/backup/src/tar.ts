import { open, stat } from "node:fs/promises";
import { BackupError } from "./errors.js";

/**
 * A minimal POSIX ustar writer and reader: regular files only, short names. Why tar and not
 * zip: the parts are written to temporary files first, so every size is known before its
 * header, the file streams out in one pass, and `tar tf` lists it on any machine.
 */
const BLOCK = 512;
const COPY = 1 << 20;
/** Sizes from 8 GiB on are written in base-256 (GNU), as tar itself does. */
const OCTAL_MAX = 8 ** 11;

export interface TarSource {
  name: string;
  /** a file to copy in, or the bytes themselves */
  file?: string;
  data?: Buffer;
}

export interface TarEntry {
  name: string;
  /** offset of the content in the tar file */
  offset: number;
  size: number;
}

function octal(buf: Buffer, at: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, "0")}\0`, at, width, "ascii");
}

function header(name: string, size: number, mtime: number): Buffer {
  if (Buffer.byteLength(name) > 99) throw new Error(`tar: name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  if (size < OCTAL_MAX) octal(h, 124, 12, size);
  else {
    h[124] = 0x80;
    h.writeBigUInt64BE(BigInt(size), 128);
  }
  octal(h, 136, 12, Math.floor(mtime / 1000));
  h.write("        ", 148, 8, "ascii");
  h.write("0", 156, 1, "ascii");
  h.write("ustar\u000000", 257, 8, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

/** Writes `sources` in order to a tar file at `path` (replaced if it exists). */
export async function writeTar(path: string, sources: readonly TarSource[]): Promise<void> {
  const out = await open(path, "w", 0o600);
  try {
    const now = Date.now();
    for (const s of sources) {
      const size = s.data ? s.data.length : s.file ? (await stat(s.file)).size : 0;
      await out.write(header(s.name, size, now));
      if (s.data) await out.write(s.data);
      else if (s.file) await copyInto(out, s.file);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad > 0) await out.write(Buffer.alloc(pad));
    }
    await out.write(Buffer.alloc(2 * BLOCK));
    await out.sync();
  } finally {
    await out.close();
  }
}

async function copyInto(out: Awaited<ReturnType<typeof open>>, file: string): Promise<void> {
  const src = await open(file);
  try {
    const buf = Buffer.alloc(COPY);
    for (;;) {
      const { bytesRead } = await src.read(buf, 0, COPY, null);
      if (bytesRead === 0) break;
      await out.write(buf.subarray(0, bytesRead));
    }
  } finally {
    await src.close();
  }
}

function readSize(h: Buffer): number {
  if ((h[124] ?? 0) & 0x80) return Number(h.readBigUInt64BE(128));
  return Number.parseInt(h.toString("ascii", 124, 136).replace(/\0.*$/s, "").trim() || "0", 8);
}

function checksumOk(h: Buffer): boolean {
  const stated = Number.parseInt(h.toString("ascii", 148, 156).replace(/[\0 ].*$/s, ""), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  return stated === sum;
}

const damaged = (message: string) => new BackupError("BACKUP_DAMAGED", message);

/** The entries of a tar file, by reading its headers only; a damaged header is refused. */
export async function listTar(path: string): Promise<TarEntry[]> {
  const f = await open(path);
  try {
    const total = (await f.stat()).size;
    const entries: TarEntry[] = [];
    const h = Buffer.alloc(BLOCK);
    for (let pos = 0; ; ) {
      const { bytesRead } = await f.read(h, 0, BLOCK, pos);
      if (bytesRead < BLOCK) throw damaged(`the file ends inside a tar header at byte ${pos}`);
      if (h.every((b) => b === 0)) return entries;
      if (!checksumOk(h)) throw damaged(`tar header at byte ${pos} is damaged (checksum)`);
      const name = h.toString("utf8", 0, 100).replace(/\0.*$/s, "");
      const size = readSize(h);
      const offset = pos + BLOCK;
      if (!Number.isSafeInteger(size) || offset + size > total) {
        throw damaged(`tar entry ${name} runs past the end of the file (truncated?)`);
      }
      entries.push({ name, offset, size });
      pos = offset + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await f.close();
  }
}
