import { ReceiptError } from "./errors.js";

/**
 * Deterministic JSON: object keys sorted by UTF-16 code units (as RFC 8785 JCS), no
 * whitespace, object properties whose value is `undefined` left out. Strings and numbers
 * are written as `JSON.stringify` writes them (which is what JCS specifies for both).
 * Strings are NOT Unicode-normalized: "Tây Ninh" in NFC and NFD are different bytes
 * and must hash differently, because a receipt attests to what was said, not what was meant.
 *
 * Anything JSON cannot carry without loss is refused rather than silently changed:
 * NaN/Infinity, bigint, functions, symbols, `undefined` inside arrays, class instances
 * (Date, Buffer, Map…) and cycles. This is the one implementation in the project: hashes
 * and signatures depend on every component producing the very same bytes.
 */
export function canonicalJson(value: unknown): string {
  return write(value, "$", new Set());
}

function unsupported(path: string, what: string): ReceiptError {
  return new ReceiptError(
    "CANONICAL_JSON_UNSUPPORTED",
    `canonicalJson: ${path} is ${what}, which JSON cannot represent exactly`,
    path,
  );
}

function write(value: unknown, path: string, open: Set<object>): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw unsupported(path, String(value));
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw unsupported(path, `a ${typeof value}`);
  }
  if (value === null) return "null";
  if (open.has(value)) throw unsupported(path, "a cycle back to an enclosing value");
  open.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw unsupported(`${path}[${i}]`, "undefined inside an array");
      parts.push(write(item, `${path}[${i}]`, open));
    }
    out = `[${parts.join(",")}]`;
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw unsupported(path, `an instance of ${name}`);
    }
    const record = value as Record<string, unknown>;
    const parts: string[] = [];
    // Default sort compares UTF-16 code units, the order JCS prescribes.
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${write(v, `${path}.${key}`, open)}`);
    }
    out = `{${parts.join(",")}}`;
  }
  open.delete(value);
  return out;
}
