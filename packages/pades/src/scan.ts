/**
 * Finds the signature dictionaries of a PDF by their /ByteRange, without a PDF object parser.
 * Why that is sound: the signed ranges are file offsets and the signature value is, by
 * ISO 32000 12.8.1, the hex string /Contents filling exactly the gap between them, so a
 * signature dictionary is always written uncompressed and readable in place, whatever the
 * rest of the file uses (xref and object streams). A /ByteRange whose gap is not a hex string
 * is not a signature and is ignored. A parser (pdf-lib) would build the whole object graph of
 * a 45 MiB scanned letter to reach the same few hundred bytes.
 */
export interface FoundSignature {
  readonly byteRange: readonly [number, number, number, number];
  /** The DER of /Contents (trailing zero padding still there). */
  readonly contents: Uint8Array;
  readonly subFilter: string;
  /** /M, the signer's claimed time, as written (D:YYYYMMDDHHmmSS+HH'mm'). */
  readonly claimedTime?: string;
}

const BYTE_RANGE = Buffer.from("/ByteRange");
const RANGE = /^\s*\[\s*(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s+(\d{1,12})\s*\]/;
const HEX = /^[0-9A-Fa-f\s]*$/;
/** How far around the gap a dictionary's other keys are looked for. */
const WINDOW = 4096;

export function findSignatures(pdf: Uint8Array): FoundSignature[] {
  const buf = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const found: FoundSignature[] = [];
  for (let at = buf.indexOf(BYTE_RANGE); at >= 0; at = buf.indexOf(BYTE_RANGE, at + 1)) {
    const sig = signatureAt(buf, at);
    if (sig && !found.some((f) => f.byteRange[1] === sig.byteRange[1])) found.push(sig);
  }
  return found.sort((a, b) => a.byteRange[2] + a.byteRange[3] - (b.byteRange[2] + b.byteRange[3]));
}

function signatureAt(buf: Buffer, at: number): FoundSignature | undefined {
  const m = RANGE.exec(buf.toString("latin1", at + BYTE_RANGE.length, at + BYTE_RANGE.length + 64));
  if (!m) return undefined;
  const [a, b, c, d] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (a !== 0 || b >= c || c + d > buf.length || buf[b] !== 0x3c || buf[c - 1] !== 0x3e) {
    return undefined;
  }
  const hex = buf.toString("latin1", b + 1, c - 1);
  if (!HEX.test(hex)) return undefined;
  const contents = Buffer.from(hex.replace(/\s+/g, ""), "hex");
  // The dictionary's other keys sit just before /Contents or just after it, within the object.
  const around = `${dictionaryText(buf, b, -1)} ${dictionaryText(buf, c, 1)}`;
  const subFilter = /\/SubFilter\s*\/([A-Za-z0-9.#_-]+)/.exec(around)?.[1] ?? "";
  const raw = /\/M\s*\(((?:[^()\\]|\\[\s\S])*)\)/.exec(around)?.[1];
  const claimedTime = raw === undefined ? undefined : literalString(raw);
  return {
    byteRange: [a, b, c, d],
    contents,
    subFilter,
    ...(claimedTime !== undefined ? { claimedTime } : {}),
  };
}

/** A PDF literal string's escapes (\ddd octal, \\, \( ...) undone: pyHanko writes "D\072...". */
function literalString(raw: string): string {
  return raw.replace(/\\([0-7]{1,3}|[\s\S])/g, (_, e: string) =>
    /^[0-7]+$/.test(e) ? String.fromCharCode(Number.parseInt(e, 8)) : e,
  );
}

/** The text between a gap edge and the object's boundary ("obj" before, "endobj" after). */
function dictionaryText(buf: Buffer, edge: number, direction: -1 | 1): string {
  if (direction < 0) {
    const text = buf.toString("latin1", Math.max(0, edge - WINDOW), edge);
    const start = text.lastIndexOf(" obj");
    return start >= 0 ? text.slice(start) : text;
  }
  const text = buf.toString("latin1", edge, Math.min(buf.length, edge + WINDOW));
  const end = text.indexOf("endobj");
  return end >= 0 ? text.slice(0, end) : text;
}

/** /M's "D:YYYYMMDDHHmmSS+HH'mm'" as a Date (missing parts default as ISO 32000 7.9.4 says). */
export function pdfDate(text: string): Date | undefined {
  const m =
    /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?/.exec(
      text,
    );
  if (!m) return undefined;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00", , sign, oh = "00", om = "00"] = m;
  const offset = sign ? `${sign}${oh}:${om}` : "Z";
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
