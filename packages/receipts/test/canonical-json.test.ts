import { describe, expect, it } from "vitest";
import { canonicalJson, ReceiptError } from "../src/index.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and writes no whitespace", () => {
    const a = { b: 1, a: { d: [3, { z: true, y: null }], c: "x" } };
    const b = { a: { c: "x", d: [3, { y: null, z: true }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it("orders keys by UTF-16 code units, as RFC 8785 does", () => {
    // "Z" (U+005A) < "a" (U+0061) < "é" (U+00E9) < "😀" (surrogates D83D…) < "ﬀ" (U+FB00)
    const value = { ﬀ: 5, "😀": 4, é: 3, a: 2, Z: 1 };
    expect(canonicalJson(value)).toBe('{"Z":1,"a":2,"é":3,"😀":4,"ﬀ":5}');
  });

  it("keeps Vietnamese text as given, without normalizing it", () => {
    const nfc = "Tây Ninh".normalize("NFC");
    const nfd = "Tây Ninh".normalize("NFD");
    expect(canonicalJson({ name: nfc })).toBe('{"name":"Tây Ninh"}');
    expect(canonicalJson({ name: nfd })).not.toBe(canonicalJson({ name: nfc }));
    expect(JSON.parse(canonicalJson({ name: nfd })).name).toBe(nfd);
  });

  it("escapes like JSON.stringify, including lone surrogates and control characters", () => {
    expect(canonicalJson('a"b\\c\n\u0001')).toBe('"a\\"b\\\\c\\n\\u0001"');
    expect(canonicalJson("\uD800")).toBe('"\\ud800"');
  });

  it("writes numbers as ECMAScript does and -0 as 0", () => {
    expect(canonicalJson([1, 1.5, -0, 1e21, 1e-7, 123456789012345680000])).toBe(
      "[1,1.5,0,1e+21,1e-7,123456789012345680000]",
    );
  });

  it("leaves out undefined properties", () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it.each([
    ["NaN", { n: Number.NaN }, "$.n"],
    ["Infinity", [Number.POSITIVE_INFINITY], "$[0]"],
    ["undefined in an array", [1, undefined], "$[1]"],
    ["a bigint", { n: 1n }, "$.n"],
    ["a Date", { d: new Date(0) }, "$.d"],
    ["a function", { f: () => 1 }, "$.f"],
  ])("refuses %s, naming where", (_what, value, path) => {
    try {
      canonicalJson(value);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ReceiptError);
      expect((e as ReceiptError).code).toBe("CANONICAL_JSON_UNSUPPORTED");
      expect((e as ReceiptError).field).toBe(path);
    }
  });

  it("refuses cycles but accepts the same object twice side by side", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it("accepts null-prototype objects", () => {
    const o = Object.create(null) as Record<string, number>;
    o.b = 2;
    o.a = 1;
    expect(canonicalJson(o)).toBe('{"a":1,"b":2}');
  });
});
