import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  failEnvelope,
  formatTimestamp,
  hashFile,
  hashFileMatches,
  okEnvelope,
  parseTimestamp,
  readSignedRequest,
  signHeaders,
  VDXP_ERRORS,
  vdxpErrorOf,
  verifyHash,
  vietnamIso,
  withinWindow,
} from "../src/index.js";

const getter = (h: Record<string, string>) => (name: string) =>
  Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

describe("sign-header", () => {
  const params: [string, string][] = [
    ["systemid", "vxp.saas.03"],
    ["timestamp", "04122026T160022+0211"],
    ["Content-Type", "application/json"],
  ];

  it("writes the SDK's JSON text and an HMAC-SHA256 of it keyed with the secret's UTF-8 bytes", () => {
    const h = signHeaders(params, "bí mật");
    const text =
      '{"XroadVnpt-systemid":"vxp.saas.03","XroadVnpt-timestamp":"04122026T160022+0211","XroadVnpt-Content-Type":"application/json"}';
    expect(h["XroadVnpt-sign-header"]).toBe(text);
    expect(h["XroadVnpt-sign-header-key"]).toBe("systemid;timestamp;Content-Type");
    const expected = createHmac("sha256", Buffer.from("bí mật", "utf8")).update(text).digest("hex");
    expect(h["XroadVnpt-hash-header"]).toBe(expected);
  });

  it("reads a signed request back and verifies it timing-safely; a wrong secret fails", () => {
    const headers = {
      ...Object.fromEntries(params.map(([n, v]) => [`XroadVnpt-${n}`, v])),
      ...signHeaders(params, "s3cret"),
    };
    const r = readSignedRequest(getter(headers));
    if (!r.ok) throw new Error(r.reason);
    expect(r.signed.get("systemid")).toBe("vxp.saas.03");
    expect(verifyHash("s3cret", r.text, r.hash)).toBe(true);
    expect(verifyHash("other", r.text, r.hash)).toBe(false);
    expect(verifyHash("s3cret", r.text, "abc")).toBe(false);
  });

  it("refuses a signed header whose sent value differs, and missing authentication headers", () => {
    const headers = {
      ...Object.fromEntries(params.map(([n, v]) => [`XroadVnpt-${n}`, v])),
      ...signHeaders(params, "s3cret"),
      "XroadVnpt-systemid": "vxp.other",
    };
    const r = readSignedRequest(getter(headers));
    expect(r.ok).toBe(false);
    expect(readSignedRequest(getter({ "XroadVnpt-systemid": "x" })).ok).toBe(false);
    const bad = { ...signHeaders(params, "s"), "XroadVnpt-sign-header": "not json" };
    expect(readSignedRequest(getter(bad)).ok).toBe(false);
  });
});

describe("timestamp", () => {
  it("reads ddMMyyyyTHHmmss as Vietnam time and ignores the four trailing digits", () => {
    expect(parseTimestamp("04122026T160022+0211")?.toISOString()).toBe("2026-12-04T09:00:22.000Z");
    expect(parseTimestamp("04122026T160022")?.toISOString()).toBe("2026-12-04T09:00:22.000Z");
    expect(parseTimestamp("31022026T160022+0211")).toBeUndefined();
    expect(parseTimestamp("2026-12-04T16:00:22Z")).toBeUndefined();
  });

  it("formats in Vietnam time and round-trips to the second", () => {
    const at = new Date("2026-12-31T20:30:05.042Z");
    expect(formatTimestamp(at)).toBe("01012027T033005+0042");
    expect(parseTimestamp(formatTimestamp(at))?.toISOString()).toBe("2026-12-31T20:30:05.000Z");
    expect(withinWindow(at, new Date(at.getTime() + 300_000), 300_000)).toBe(true);
    expect(withinWindow(at, new Date(at.getTime() - 300_001), 300_000)).toBe(false);
    expect(vietnamIso(at)).toBe("2027-01-01T03:30:05+07:00");
  });
});

describe("hash-file", () => {
  // A file whose SHA-256 starts with a zero digit: the SDK drops it (BigInteger.toString(16)).
  let zeroFile = Buffer.alloc(0);
  for (let i = 0; ; i++) {
    zeroFile = Buffer.from(`<edXML>${i}</edXML>`);
    if (createHash("sha256").update(zeroFile).digest("hex").startsWith("0")) break;
  }
  const full = createHash("sha256").update(zeroFile).digest("hex");

  it("drops leading zeros like Java and accepts the declared hash with or without them", () => {
    expect(hashFile(zeroFile)).toBe(full.replace(/^0+/, ""));
    expect(hashFile(zeroFile).length).toBeLessThan(64);
    expect(hashFileMatches(full, full)).toBe(true);
    expect(hashFileMatches(hashFile(zeroFile).toUpperCase(), full)).toBe(true);
    expect(hashFileMatches(hashFile(Buffer.from("x")), full)).toBe(false);
  });
});

describe("envelopes and error codes", () => {
  it("OK and FAIL envelopes always carry status, ErrorCode and ErrorDesc", () => {
    expect(okEnvelope({ DocId: "d" })).toEqual({
      status: "OK",
      ErrorCode: "0",
      ErrorDesc: "Success",
      DocId: "d",
    });
    expect(failEnvelope("RECIPIENT_UNKNOWN", "no such agency", "RECIPIENT_UNKNOWN")).toEqual({
      status: "FAIL",
      ErrorCode: "18",
      ErrorDesc: "no such agency",
      edocCode: "RECIPIENT_UNKNOWN",
    });
  });

  it("maps the native refusal codes onto the table, never to OK", () => {
    expect(vdxpErrorOf("SENDER_NOT_AUTHORISED")).toBe("FROM_NOT_ALLOWED");
    expect(vdxpErrorOf("SIGNER_NOT_BOUND")).toBe("SIGNER_NOT_BOUND");
    expect(vdxpErrorOf("EDXML_NOT_WELL_FORMED")).toBe("EDXML_INVALID");
    expect(vdxpErrorOf("STATUS_TRANSITION_FORBIDDEN")).toBe("STATUS_REFUSED");
    expect(vdxpErrorOf("SOMETHING_NEW", 500)).toBe("INTERNAL");
    expect(vdxpErrorOf("SOMETHING_NEW", 422)).toBe("BAD_REQUEST");
    const codes = Object.values(VDXP_ERRORS);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe("sealed secrets", () => {
  it("seal and open under the systems key, bound to the system id; other keys or ids fail", async () => {
    const { generateSecret, openSecret, parseSystemsKey, sealSecret } = await import(
      "../src/index.js"
    );
    const key = parseSystemsKey("ab".repeat(32));
    const secret = generateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sealed = sealSecret(key, "vxp.saas.03", secret);
    expect(sealed).not.toContain(secret);
    expect(openSecret(key, "vxp.saas.03", sealed)).toBe(secret);
    expect(openSecret(key, "vxp.other", sealed)).toBeUndefined();
    expect(openSecret(parseSystemsKey("cd".repeat(32)), "vxp.saas.03", sealed)).toBeUndefined();
    expect(() => parseSystemsKey("short")).toThrow(/64 hex/);
  });
});
