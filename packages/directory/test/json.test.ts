import { Directory, demoNetwork, parseDirectoryJson, toDirectoryJson } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { agency, errorOf } from "./helpers.js";

const P = "000.00.00.H45";

function doc(agencies: unknown[]): unknown {
  return { format: "edoc-directory/1", agencies };
}

const good = {
  id: P,
  name: "Ủy ban nhân dân tỉnh Phú Yên",
  tier: "province",
  validFrom: "2016-01-01",
};

describe("JSON round trip", () => {
  it("survives stringify/parse unchanged and loads into a Directory", () => {
    const json = demoNetwork();
    const text = JSON.stringify(json, null, 2);
    const parsed = parseDirectoryJson(JSON.parse(text));
    expect(parsed).toEqual(json.agencies);
    expect(toDirectoryJson(parsed)).toEqual(json);
    expect(Directory.fromJson(JSON.parse(text)).size).toBe(json.agencies.length);
  });

  it("writes records in tree order with a fixed key order and no undefined keys", () => {
    const out = toDirectoryJson([
      agency("000.20.30.H45", "commune", { parent: "000.00.30.H45" }),
      agency(P, "province"),
      agency("000.00.30.H45", "district", { parent: P }),
    ]);
    expect(out.format).toBe("edoc-directory/1");
    expect(out.agencies.map((a) => a.id)).toEqual([P, "000.00.30.H45", "000.20.30.H45"]);
    expect(Object.keys(out.agencies[2]!)).toEqual(["id", "name", "tier", "parent", "validFrom"]);
    expect(JSON.stringify(out.agencies[0])).not.toContain("undefined");
  });

  it("trims ids but keeps everything else as written", () => {
    const [a] = parseDirectoryJson(doc([{ ...good, id: ` ${P} ` }]));
    expect(a).toEqual(good);
  });
});

describe("JSON validation errors name the path", () => {
  const cases: [string, unknown, string, string][] = [
    ["root not an object", [], "(root)", "expected an object, got an array"],
    ["format missing", { agencies: [] }, "format", 'expected "edoc-directory/1", got nothing'],
    [
      "format from the future",
      { format: "edoc-directory/2", agencies: [] },
      "format",
      '"edoc-directory/2"',
    ],
    [
      "unknown top-level property",
      { format: "edoc-directory/1", agencies: [], extra: 1 },
      "extra",
      "unknown property",
    ],
    [
      "agencies not an array",
      { format: "edoc-directory/1", agencies: {} },
      "agencies",
      "expected an array",
    ],
    ["record not an object", doc([good, "x"]), "agencies[1]", 'got string "x"'],
    [
      "required property missing",
      doc([{ ...good, name: undefined }]),
      "agencies[0].name",
      "is required",
    ],
    [
      "null instead of absent",
      doc([{ ...good, validTo: null }]),
      "agencies[0].validTo",
      "got null",
    ],
    [
      "typo in a property",
      doc([{ ...good, validfrom: "2016-01-01" }]),
      "agencies[0].validfrom",
      "unknown property",
    ],
    ["unknown tier", doc([{ ...good, tier: "ward" }]), "agencies[0].tier", 'got "ward"'],
    [
      "impossible date",
      doc([{ ...good, validFrom: "2025-02-30" }]),
      "agencies[0].validFrom",
      "yyyy-mm-dd",
    ],
    [
      "date with time",
      doc([{ ...good, validTo: "2025-07-01T00:00:00Z" }]),
      "agencies[0].validTo",
      "yyyy-mm-dd",
    ],
    [
      "validTo not after validFrom",
      doc([{ ...good, validTo: "2016-01-01" }]),
      "agencies[0].validTo",
      "must be after",
    ],
    [
      "successor without validTo",
      doc([{ ...good, successor: "000.00.00.H47" }]),
      "agencies[0].successor",
      "needs validTo",
    ],
    ["bad e-mail", doc([{ ...good, email: "vanthu at phuyen" }]), "agencies[0].email", "e-mail"],
    ["number instead of string", doc([{ ...good, name: 42 }]), "agencies[0].name", "got number"],
  ];
  for (const [what, input, path, text] of cases) {
    it(what, () => {
      const e = errorOf(() => parseDirectoryJson(input));
      expect(e.code).toBe("DIRECTORY_JSON_INVALID");
      expect(e.field).toBe(path);
      expect(e.message).toContain(path);
      expect(e.message).toContain(text);
    });
  }

  it("reports a malformed organ id as ORGAN_ID_MALFORMED at its path", () => {
    const records = [
      good,
      good,
      good,
      { ...good, id: "000.20.30.H45", tier: "commune", parent: "28.22.H17" },
    ];
    const e = errorOf(() => parseDirectoryJson(doc(records)));
    expect(e.code).toBe("ORGAN_ID_MALFORMED");
    expect(e.field).toBe("agencies[3].parent");
    expect(e.message).toContain('agencies[3].parent "28.22.H17": expected 4 dot-separated groups');
  });

  it("leaves cross-record rules to Directory.fromJson", () => {
    const orphan = doc([{ ...good, id: "000.00.30.H45", tier: "district", parent: P }]);
    expect(parseDirectoryJson(orphan)).toHaveLength(1);
    const e = errorOf(() => Directory.fromJson(orphan));
    expect(e.code).toBe("DIRECTORY_INVALID");
    expect(e.field).toBe("agencies[0].parent");
  });
});
