import { createHmac, timingSafeEqual } from "node:crypto";
import { HEADER_PREFIX, headerName, PARAM } from "./headers.js";

/**
 * Header authentication as the axis SDK does it: the signed parameters' full headers as a JSON
 * object text (`XroadVnpt-sign-header`), their names joined by `;` (`XroadVnpt-sign-header-key`)
 * and the lowercase hex HMAC-SHA256 of that text's UTF-8 bytes keyed with the secret's UTF-8
 * bytes (`XroadVnpt-hash-header`). The body is not covered: the edXML signature protects it.
 */
export interface SignedHeaders {
  [name: string]: string;
}

/** HMAC-SHA256 of `text`, lowercase hex. */
export function hmacHex(secret: string, text: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(Buffer.from(text, "utf8"))
    .digest("hex");
}

/**
 * The three authentication headers for `params` (name without prefix → value), in the order
 * given: merge them into the request's headers beside the parameters themselves.
 */
export function signHeaders(
  params: ReadonlyArray<[string, string]>,
  secret: string,
): SignedHeaders {
  const object: Record<string, string> = {};
  for (const [name, value] of params) object[headerName(name)] = value;
  const text = JSON.stringify(object);
  return {
    [headerName(PARAM.signHeaderKey)]: params.map(([n]) => n).join(";"),
    [headerName(PARAM.signHeader)]: text,
    [headerName(PARAM.hashHeader)]: hmacHex(secret, text),
  };
}

/** What a request's authentication headers say, before any secret is known. */
export type SignedRequest =
  | {
      ok: true;
      /** the signed parameters (lowercase name without prefix → value), as the sign-header says */
      signed: Map<string, string>;
      text: string;
      hash: string;
    }
  | { ok: false; reason: string };

/** Parameters a request must sign: who it is and when (the replay window). */
const REQUIRED = ["systemid", "timestamp"];

/**
 * Reads the sign-header (the JSON text as sent). Every entry must be a parameter listed in
 * sign-header-key and equal the header actually sent, so a signed header cannot be swapped for
 * another value; systemid and timestamp must be signed. (Recorded SDK requests sometimes list
 * more keys than the JSON holds: only what the JSON holds counts as signed.)
 */
export function readSignedRequest(get: (header: string) => string | undefined): SignedRequest {
  const text = get(headerName(PARAM.signHeader));
  const hash = get(headerName(PARAM.hashHeader));
  const keys = get(headerName(PARAM.signHeaderKey));
  if (!text || !hash || !keys) {
    return {
      ok: false,
      reason: "XroadVnpt-sign-header, -sign-header-key and -hash-header are required",
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { ok: false, reason: "XroadVnpt-sign-header is not a JSON object" };
  }
  const listed = new Set(keys.split(";").map((k) => k.trim().toLowerCase()));
  const signed = new Map<string, string>();
  for (const [full, value] of Object.entries(parsed as Record<string, unknown>)) {
    const name = full.toLowerCase().startsWith(HEADER_PREFIX.toLowerCase())
      ? full.slice(HEADER_PREFIX.length)
      : undefined;
    if (!name || !listed.has(name.toLowerCase()) || typeof value !== "string") {
      return { ok: false, reason: `XroadVnpt-sign-header: ${full} is not a listed parameter` };
    }
    const sent = get(full);
    if (sent !== undefined && sent !== value) {
      return { ok: false, reason: `${full} differs from its signed value` };
    }
    signed.set(name.toLowerCase(), value);
  }
  for (const name of REQUIRED) {
    if (!signed.has(name)) return { ok: false, reason: `${headerName(name)} must be signed` };
  }
  return { ok: true, signed, text, hash: hash.trim().toLowerCase() };
}

/** Timing-safe check of a request's hash-header against the HMAC of its sign-header text. */
export function verifyHash(secret: string, text: string, hash: string): boolean {
  const expected = Buffer.from(hmacHex(secret, text), "utf8");
  const given = Buffer.from(hash, "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given);
}
