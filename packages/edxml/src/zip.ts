// The zip check of attachments declared `application/zip`. The official edXML library unzips
// them and refuses the whole packet when one is not a zip, so a recipient could never open it:
// the hub refuses it at the door instead. Only the structure is read (the first local header,
// the end-of-central-directory record and the central directory), from the attachment's first
// bytes and its last ZIP_TAIL_BYTES, decoded as a stream: nothing is inflated and a large
// attachment is never held whole.

/** Bytes kept from the end: the longest EOCD comment (64 KiB) plus a 1 MiB central directory. */
export const ZIP_TAIL_BYTES = 1024 * 1024 + 65_557;

/** What the check reads of an attachment's decoded bytes. */
export interface ZipProbe {
  /** decoded length */
  readonly size: number;
  /** the first bytes (at least 4 when the attachment has them) */
  readonly head: Uint8Array;
  /** the last min(size, ZIP_TAIL_BYTES) bytes */
  readonly tail: Uint8Array;
}

const WHITESPACE = /[ \t\r\n]+/g;

/** Decodes base64 text given in pieces (strings or bytes) keeping only the head and the tail. */
export function probeBase64(pieces: Iterable<string | Uint8Array>): ZipProbe {
  let carry = "";
  let size = 0;
  let head = Buffer.alloc(0);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const take = (bytes: Buffer): void => {
    size += bytes.length;
    if (head.length < 4) head = Buffer.concat([head, bytes.subarray(0, 4 - head.length)]);
    kept.push(bytes);
    keptBytes += bytes.length;
    while (kept.length > 1 && keptBytes - (kept[0]?.length ?? 0) >= ZIP_TAIL_BYTES) {
      keptBytes -= kept.shift()?.length ?? 0;
    }
  };
  for (const piece of pieces) {
    for (let i = 0; i < piece.length; i += 1 << 20) {
      const part = piece.slice(i, i + (1 << 20));
      const text = carry + (typeof part === "string" ? part : Buffer.from(part).toString("latin1"));
      const compact = text.replace(WHITESPACE, "");
      const whole = compact.length - (compact.length % 4);
      carry = compact.slice(whole);
      if (whole > 0) take(Buffer.from(compact.slice(0, whole), "base64"));
    }
  }
  if (carry !== "") take(Buffer.from(carry, "base64"));
  const all = Buffer.concat(kept);
  return { size, head, tail: all.subarray(Math.max(0, all.length - ZIP_TAIL_BYTES)) };
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;

/** Why the bytes are not a readable zip archive, or undefined when they are. */
export function zipProblem(p: ZipProbe): string | undefined {
  if (p.size < 22) return `it is ${p.size} bytes, too short for a zip archive`;
  const head = Buffer.from(p.head);
  if (head.length < 4 || head.readUInt32LE(0) !== LOCAL) {
    return `it does not start with a zip local file header (PK\\3\\4) but with ${describe(head)}`;
  }
  const tail = Buffer.from(p.tail);
  const base = p.size - tail.length; // absolute offset of tail[0]
  const at = findEocd(tail);
  if (at === undefined) return "it has no end-of-central-directory record";
  let entries = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const z = zip64(tail, base, at);
    if (typeof z === "string") return z;
    ({ entries, cdSize, cdOffset } = z);
  }
  if (entries === 0) return "its central directory lists no entry";
  const cdEnd = cdOffset + cdSize;
  if (cdEnd > base + at) return "its central directory lies outside the archive";
  if (cdOffset < base) return undefined; // larger than the kept tail: checked for position only
  return walkCentralDirectory(tail, cdOffset - base, cdEnd - base, entries, cdOffset);
}

function describe(head: Buffer): string {
  const hex = [...head].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const text = head.toString("latin1").replace(/[^\x20-\x7e]/g, ".");
  return `${hex} ("${text}")`;
}

/** The EOCD record nearest the end whose comment length reaches exactly the end. */
function findEocd(tail: Buffer): number | undefined {
  for (let i = tail.length - 22; i >= 0 && tail.length - i <= 65_557; i--) {
    if (tail.readUInt32LE(i) === EOCD && i + 22 + tail.readUInt16LE(i + 20) === tail.length) {
      return i;
    }
  }
  return undefined;
}

function zip64(
  tail: Buffer,
  base: number,
  eocd: number,
): { entries: number; cdSize: number; cdOffset: number } | string {
  const loc = eocd - 20;
  if (loc < 0 || tail.readUInt32LE(loc) !== ZIP64_LOCATOR) return "its zip64 locator is missing";
  const rec = Number(tail.readBigUInt64LE(loc + 8)) - base;
  if (rec < 0 || rec + 56 > loc || tail.readUInt32LE(rec) !== ZIP64_EOCD) {
    return "its zip64 end-of-central-directory record is missing";
  }
  return {
    entries: Number(tail.readBigUInt64LE(rec + 32)),
    cdSize: Number(tail.readBigUInt64LE(rec + 40)),
    cdOffset: Number(tail.readBigUInt64LE(rec + 48)),
  };
}

function walkCentralDirectory(
  tail: Buffer,
  start: number,
  end: number,
  entries: number,
  cdOffset: number,
): string | undefined {
  let pos = start;
  for (let n = 0; n < entries; n++) {
    if (pos + 46 > end || tail.readUInt32LE(pos) !== CENTRAL) {
      return `central directory entry ${n + 1} of ${entries} is unreadable`;
    }
    const local = tail.readUInt32LE(pos + 42);
    if (local !== 0xffffffff && local >= cdOffset) {
      return `central directory entry ${n + 1} points outside the archive`;
    }
    pos +=
      46 + tail.readUInt16LE(pos + 28) + tail.readUInt16LE(pos + 30) + tail.readUInt16LE(pos + 32);
  }
  return pos > end ? "its central directory overruns its declared size" : undefined;
}
