import {
  compareOrganIds,
  DirectoryError,
  isOrganId,
  level1Kind,
  level1Of,
  type OrganId,
  organIdLevel,
  parentOf,
  parseOrganId,
} from "@edoc/directory";
import { describe, expect, it } from "vitest";

function errorOf(fn: () => unknown): DirectoryError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DirectoryError) return e;
    throw e;
  }
  throw new Error("expected a DirectoryError");
}

const id = (s: string): OrganId => parseOrganId(s);

describe("parseOrganId", () => {
  it("accepts canonical ids and returns them unchanged", () => {
    for (const s of ["000.21.31.H53", "000.00.00.G22", "001.01.07.H53", "777.77.03.D77"]) {
      expect(parseOrganId(s)).toBe(s);
    }
  });

  it("trims surrounding whitespace, including tabs and newlines", () => {
    expect(parseOrganId("  000.00.00.G22\t\n")).toBe("000.00.00.G22");
  });

  it("rejects the SDK's 3-group 28.22.H17, naming the field and the expected shape", () => {
    const e = errorOf(() => parseOrganId("28.22.H17", "From.OrganId"));
    expect(e.code).toBe("ORGAN_ID_MALFORMED");
    expect(e.field).toBe("From.OrganId");
    expect(e.message).toContain("From.OrganId");
    expect(e.message).toContain("28.22.H17");
    expect(e.message).toContain("expected 4 dot-separated groups V1V2V3.Z1Z2.Y1Y2.X1X2X3, got 3");
    expect(e.stack).toBeDefined();
  });

  it("rejects lower-case level-1 letters instead of silently upper-casing them", () => {
    const e = errorOf(() => parseOrganId("000.00.00.h53"));
    expect(e.code).toBe("ORGAN_ID_MALFORMED");
    expect(e.field).toBeUndefined();
    expect(e.message).toContain("upper-case");
  });

  it("rejects inner whitespace", () => {
    expect(errorOf(() => parseOrganId("000. 00.00.H53")).message).toContain("whitespace");
    expect(errorOf(() => parseOrganId("000.00.00 .H53")).code).toBe("ORGAN_ID_MALFORMED");
  });

  it("rejects wrong group widths and non-digits, naming the group", () => {
    expect(errorOf(() => parseOrganId("00.00.00.H53")).message).toContain(
      'group V1V2V3 must be 3 digits, got "00"',
    );
    expect(errorOf(() => parseOrganId("000.0.00.H53")).message).toContain("group Z1Z2");
    expect(errorOf(() => parseOrganId("000.00.001.H53")).message).toContain("group Y1Y2");
    expect(errorOf(() => parseOrganId("000.1137.H53")).message).toContain("got 3");
    expect(errorOf(() => parseOrganId("000.0a.00.H53")).message).toContain("group Z1Z2");
    // full-width digits look right but are not ASCII digits
    expect(errorOf(() => parseOrganId("000.00.00.H５３")).message).toContain("X1X2X3");
  });

  it("rejects level-1 units that are not a letter and 2 digits (e.g. JB2 from a field sample)", () => {
    expect(errorOf(() => parseOrganId("001.00.20.JB2")).message).toContain(
      "level-1 unit X1X2X3 must be a letter and 2 digits",
    );
    expect(errorOf(() => parseOrganId("000.00.00.H5")).code).toBe("ORGAN_ID_MALFORMED");
    expect(errorOf(() => parseOrganId("000.00.00.053")).code).toBe("ORGAN_ID_MALFORMED");
  });

  it("rejects empty and blank input, and too many groups", () => {
    expect(errorOf(() => parseOrganId("   ", "To[1].OrganId")).message).toBe(
      'To[1].OrganId "": empty, expected V1V2V3.Z1Z2.Y1Y2.X1X2X3',
    );
    expect(errorOf(() => parseOrganId("000.00.00.00.H53")).message).toContain("got 5");
  });

  it("bounds the echoed value so a huge input does not flood the message", () => {
    const e = errorOf(() => parseOrganId("9".repeat(10_000)));
    expect(e.message.length).toBeLessThan(200);
  });

  it("rejects non-string input from untyped callers without crashing", () => {
    const untyped = JSON.parse("[null, 42]") as string[];
    for (const v of untyped) {
      expect(errorOf(() => parseOrganId(v, "x")).code).toBe("ORGAN_ID_MALFORMED");
    }
  });
});

describe("isOrganId", () => {
  it("accepts only the exact canonical form", () => {
    expect(isOrganId("000.21.31.H53")).toBe(true);
    expect(isOrganId(" 000.21.31.H53")).toBe(false);
    expect(isOrganId("000.21.31.h53")).toBe(false);
    expect(isOrganId("28.22.H17")).toBe(false);
    expect(isOrganId("000.21.31.H53\n")).toBe(false);
  });
});

describe("parent chain and levels", () => {
  it("sets the leftmost non-zero group to zeros", () => {
    expect(parentOf(id("001.01.07.H53"))).toBe("000.01.07.H53");
    expect(parentOf(id("000.01.07.H53"))).toBe("000.00.07.H53");
    expect(parentOf(id("000.21.31.H53"))).toBe("000.00.31.H53");
    expect(parentOf(id("000.00.31.H53"))).toBe("000.00.00.H53");
    expect(parentOf(id("000.00.00.H53"))).toBeUndefined();
  });

  it("walks a level-4 code up to its root in 3 steps", () => {
    const chain: string[] = [];
    for (let c: OrganId | undefined = id("001.01.07.H53"); c; c = parentOf(c)) chain.push(c);
    expect(chain).toEqual(["001.01.07.H53", "000.01.07.H53", "000.00.07.H53", "000.00.00.H53"]);
  });

  it("follows the rule literally for codes with a zero level in between", () => {
    expect(parentOf(id("001.00.05.H53"))).toBe("000.00.05.H53");
    expect(organIdLevel(id("001.00.05.H53"))).toBe(4);
  });

  it("reports the level and level-1 unit", () => {
    expect(organIdLevel(id("000.00.00.G22"))).toBe(1);
    expect(organIdLevel(id("000.00.31.H53"))).toBe(2);
    expect(organIdLevel(id("000.21.31.H53"))).toBe(3);
    expect(organIdLevel(id("001.01.07.H53"))).toBe(4);
    expect(level1Of(id("000.21.31.H53"))).toBe("000.00.00.H53");
  });
});

describe("level1Kind", () => {
  it("maps G, H, K and other letters", () => {
    expect(level1Kind(id("000.00.00.G22"))).toBe("central");
    expect(level1Kind(id("000.03.00.G14"))).toBe("central");
    expect(level1Kind(id("000.21.31.H53"))).toBe("provincial-committee");
    expect(level1Kind(id("000.00.00.K53"))).toBe("provincial-council");
    expect(level1Kind(id("777.77.03.D77"))).toBe("other");
  });
});

describe("compareOrganIds", () => {
  it("sorts in tree order: each unit right before the units under it", () => {
    const ids = [
      "000.00.03.H53",
      "000.01.02.H53",
      "000.00.00.H53",
      "000.00.02.H53",
      "000.00.00.G22",
    ]
      .map(id)
      .sort(compareOrganIds);
    expect(ids).toEqual([
      "000.00.00.G22",
      "000.00.00.H53",
      "000.00.02.H53",
      "000.01.02.H53",
      "000.00.03.H53",
    ]);
  });
});
