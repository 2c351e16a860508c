import { EdxmlError, type SourcePosition } from "./errors.js";

/** 1-based line and column of a UTF-16 offset in `text`. */
export function positionAt(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

export function at(position: SourcePosition): string {
  return `line ${position.line}, column ${position.column}`;
}

/** A short, quoted, escaped excerpt for error messages. */
export function excerpt(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

/** Decodes untrusted input as UTF-8 (BOM allowed) after checking its size. */
export function decodeInput(input: string | Uint8Array, maxBytes: number): string {
  if (typeof input === "string") {
    const bytes = input.length > maxBytes ? input.length : Buffer.byteLength(input, "utf8");
    if (bytes > maxBytes) throw tooLarge(bytes, maxBytes);
    return input.startsWith("\uFEFF") ? input.slice(1) : input;
  }
  if (input.byteLength > maxBytes) throw tooLarge(input.byteLength, maxBytes);
  try {
    // The decoder drops a leading UTF-8 BOM itself.
    return new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    throw new EdxmlError(
      "EDXML_NOT_WELL_FORMED",
      `input is not valid UTF-8 (byte ${firstInvalidUtf8(input)}); edXML must be UTF-8`,
    );
  }
}

function tooLarge(bytes: number, maxBytes: number): EdxmlError {
  return new EdxmlError(
    "EDXML_TOO_LARGE",
    `input is ${bytes} bytes, above the limit of ${maxBytes}`,
  );
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629 table 3-7), for the error message. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let len = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) len = 1;
    else if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    }
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return i;
    }
    i += len;
  }
  return i;
}
