import { EdxmlError } from "./errors.js";
import type { Attachment } from "./types.js";

const WHITESPACE = /[ \t\r\n]+/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decoded length of base64 text, or undefined when it is not base64. Line breaks and spaces are
 * allowed anywhere (MIME-style wrapping); missing "=" padding is tolerated.
 */
export function base64Size(encoded: string): number | undefined {
  const compact = encoded.replace(WHITESPACE, "");
  if (!BASE64.test(compact)) return undefined;
  const data = compact.replace(/=+$/, "");
  const padding = compact.length - data.length;
  if (data.length % 4 === 1) return undefined;
  if (padding > 0 && compact.length % 4 !== 0) return undefined;
  return Math.floor((data.length * 3) / 4);
}

/** The attachment's bytes (usually a zip), decoded on demand. */
export function decodeAttachment(a: Attachment): Buffer {
  const size = base64Size(a.encoded);
  if (size === undefined) {
    throw new EdxmlError("EDXML_INVALID", `attachment ${a.contentId} is not valid base64`, [
      { path: "ContentTransferEncoded", rule: "base64", message: "not valid base64" },
    ]);
  }
  return Buffer.from(a.encoded.replace(WHITESPACE, ""), "base64");
}

/** "cid:209" and "209" name the same part. */
export function normalizeContentId(raw: string): string {
  return raw.replace(/^cid:/i, "").trim();
}
