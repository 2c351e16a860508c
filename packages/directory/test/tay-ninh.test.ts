import { Directory, importTayNinhTsv, type Tier } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { readFixture, TAY_NINH_TSV } from "../../../tests/fixtures/paths.js";
import { day, errorOf, oid } from "./helpers.js";

const text = readFixture(TAY_NINH_TSV).toString("utf8");

describe("importTayNinhTsv on the real 2021 file", () => {
  const { agencies, skipped } = importTayNinhTsv(text);
  const byId = new Map(agencies.map((a) => [a.id as string, a]));

  it("imports 447 of 455 lines: 7 duplicate codes and 1 malformed code skipped", () => {
    expect(text.split("\n").filter((l) => l !== "")).toHaveLength(455);
    expect(agencies).toHaveLength(447);
    expect(skipped.map((s) => s.line)).toEqual([16, 59, 64, 67, 72, 75, 82, 315]);
    expect(skipped[0]!.reason).toBe("duplicate code 000.00.00.G15, first seen on line 15");
    expect(skipped[7]!.reason).toContain('"000.1137.H53": expected 4 dot-separated groups');
  });

  it("derives tiers: 25 central, 1 province, 52 departments, 9 districts, 95 communes, 265 divisions", () => {
    const counts: Partial<Record<Tier, number>> = {};
    for (const a of agencies) counts[a.tier] = (counts[a.tier] ?? 0) + 1;
    expect(counts).toEqual({
      central: 25,
      province: 1,
      department: 52,
      district: 9,
      commune: 95,
      division: 265,
    });
  });

  it("classifies known agencies and sets parents from the code", () => {
    const check = (id: string, tier: Tier, parent: string | undefined, name?: string) => {
      const a = byId.get(id);
      expect(a, id).toBeDefined();
      expect(a?.tier, id).toBe(tier);
      expect(a?.parent, id).toBe(parent);
      if (name !== undefined) expect(a?.name, id).toBe(name);
    };
    check("000.00.00.G22", "central", undefined, "Văn phòng Chính phủ");
    check("000.00.00.H53", "province", undefined, "UBND Tỉnh Tây Ninh");
    check("000.00.02.H53", "department", "000.00.00.H53", "Sở Công Thương");
    check("000.00.01.H53", "department", "000.00.00.H53", "Văn phòng UBND tỉnh");
    check("000.00.52.H53", "department", "000.00.00.H53", "Tỉnh Ủy Tây Ninh");
    check("000.00.30.H53", "district", "000.00.00.H53", "UBND Thành phố Tây Ninh");
    check("000.00.31.H53", "district", "000.00.00.H53", "UBND huyện Bến Cầu");
    check("000.20.30.H53", "commune", "000.00.30.H53", "UBND Phường 1 thành phố Tây Ninh");
    check("000.20.32.H53", "commune", "000.00.32.H53", "UBND Thị Trấn Châu Thành huyện Châu Thành");
    check("000.21.31.H53", "commune", "000.00.31.H53", "UBND Xã An Thạnh huyện Bến Cầu");
    check("000.05.31.H53", "division", "000.00.31.H53", "Phòng Nội vụ huyện Bến Cầu");
    // "UBND Xã" inside a Phòng's name must not make it a commune
    check(
      "000.04.31.H53",
      "division",
      "000.00.31.H53",
      "Phòng Lao động Thương binh và UBND Xã hội huyện Bến Cầu",
    );
    check("000.01.02.H53", "division", "000.00.02.H53");
    check("001.01.07.H53", "division", "000.01.07.H53");
    check("000.00.00.G15", "central", undefined, "Bộ Tư Pháp"); // the first of two lines wins
    check("000.00.80.G24", "division", "000.00.00.G24", "Bảo hiểm xã hội tỉnh Tây Ninh");
    check("000.01.28.G14", "division", "000.00.28.G14");
  });

  it("cleans names: trailing spaces and zero-width spaces (U+200B) removed", () => {
    expect(byId.get("000.00.00.G18")?.name).toBe("Bộ Y Tế");
    expect(byId.get("000.02.31.H53")?.name).toBe("Phòng Giáo dục và Đào tạo huyện Bến Cầu");
    expect(byId.get("000.04.14.H53")?.name).toBe(
      "Trung tâm Dịch vụ bán đấu giá tài sản - Sở Tư pháp",
    );
    expect(agencies.filter((a) => /[\u200B\s]$|^\s|\u200B|\s{2}/u.test(a.name))).toEqual([]);
  });

  it("produces a valid directory, by default valid from 2021-01-01", () => {
    const d = Directory.fromAgencies(agencies);
    expect(d.size).toBe(447);
    expect(d.list(day("2022-01-01"))).toHaveLength(447);
    expect(d.list(day("2020-12-31"))).toHaveLength(0);
    const benCau = d.children(oid("000.00.31.H53"), day("2022-01-01"));
    expect(benCau.filter((a) => a.tier === "commune")).toHaveLength(9);
    expect(benCau.filter((a) => a.tier === "division")).toHaveLength(12);
    expect(
      d.children(oid("000.00.00.H53"), day("2022-01-01")).filter((a) => a.tier === "district"),
    ).toHaveLength(9);
  });
});

describe("importTayNinhTsv rules and robustness", () => {
  const ROOT = "000.00.00.H53\tUBND Tỉnh Tây Ninh";
  const DISTRICT = "000.00.31.H53\tUBND huyện Bến Cầu";
  const run = (...lines: string[]) => importTayNinhTsv(lines.join("\n"));

  it("handles a BOM, CRLF line ends and blank lines, with physical line numbers", () => {
    const r = importTayNinhTsv(`\uFEFF${ROOT}\r\n\r\n   \r\n${DISTRICT}\r\nbroken line\r\n`);
    expect(r.agencies.map((a) => a.id)).toEqual(["000.00.00.H53", "000.00.31.H53"]);
    expect(r.agencies[0]!.name).toBe("UBND Tỉnh Tây Ninh");
    expect(r.skipped).toEqual([
      { line: 5, reason: "expected 2 tab-separated fields code<TAB>name, got 1" },
    ]);
  });

  it("skips lines with extra fields, empty names and malformed codes", () => {
    const r = run(
      ROOT,
      "000.00.02.H53\tSở A\textra",
      "000.00.03.H53\t \u200B ",
      "000.00.04.h53\tSở B",
    );
    expect(r.agencies).toHaveLength(1);
    expect(r.skipped.map((s) => s.line)).toEqual([2, 3, 4]);
    expect(r.skipped[0]!.reason).toContain("got 3");
    expect(r.skipped[1]!.reason).toBe("name is empty");
    expect(r.skipped[2]!.reason).toContain("upper-case");
  });

  it("skips a line whose name contradicts its code", () => {
    const r = run(
      ROOT,
      DISTRICT,
      "000.00.32.H53\tSở Châu Thành", // district number, not a district name
      "000.00.05.H53\tBan Kế hoạch", // department number, not "Sở"
      "000.00.45.H53\tUBND huyện Mới", // district name outside 30–38
      "000.21.31.H53\tUBND huyện Con", // UBND under a district but not xã/phường/thị trấn
      "000.21.05.H53\tUBND xã Lạc", // commune name not under a district
    );
    expect(r.agencies.map((a) => a.id)).toEqual(["000.00.00.H53", "000.00.31.H53"]);
    expect(r.skipped.map((s) => s.line)).toEqual([3, 4, 5, 6, 7]);
    expect(r.skipped[0]!.reason).toContain("district number (30–38)");
    expect(r.skipped[1]!.reason).toContain('not "Sở …"');
  });

  it("classifies by name within the district range, abbreviated or spelled out", () => {
    const r = run(
      ROOT,
      DISTRICT,
      "000.20.31.H53\tUBND Thị trấn Bến Cầu",
      "000.21.31.H53\tỦy ban nhân dân xã An Thạnh",
      "000.01.31.H53\tVăn phòng HĐND-UBND huyện Bến Cầu",
      "000.00.32.H53\tUỷ ban nhân dân huyện Châu Thành",
    );
    expect(r.agencies.map((a) => a.tier)).toEqual([
      "province",
      "district",
      "commune",
      "commune",
      "division",
      "district",
    ]);
  });

  it("skips lower codes of other provinces and unknown level-1 letters", () => {
    const r = run(
      ROOT,
      "000.00.00.H41\tUBND tỉnh X",
      "000.00.02.H41\tSở Y",
      "000.00.00.D77\tThử nghiệm",
    );
    expect(r.agencies.map((a) => [a.id, a.tier])).toEqual([
      ["000.00.00.H53", "province"],
      ["000.00.00.H41", "province"],
    ]);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      "H41 is neither Tây Ninh (H53) nor a central body (G)",
      "level-1 letter D has no tier rule (only G, H, K)",
    ]);
  });

  it("skips records whose parent is missing, cascading to their children", () => {
    const r = run(
      ROOT,
      "000.20.32.H53\tUBND xã Lạc",
      "000.01.02.H53\tChi cục A",
      "001.01.02.H53\tTrạm B",
    );
    expect(r.agencies.map((a) => a.id)).toEqual(["000.00.00.H53"]);
    expect(r.skipped).toEqual([
      { line: 2, reason: "parent 000.00.32.H53 is not in the file (or was skipped)" },
      { line: 3, reason: "parent 000.00.02.H53 is not in the file (or was skipped)" },
      { line: 4, reason: "parent 000.01.02.H53 is not in the file (or was skipped)" },
    ]);
  });

  it("never throws on garbage input", () => {
    expect(importTayNinhTsv("")).toEqual({ agencies: [], skipped: [] });
    // a tab-only line counts as blank
    const r = importTayNinhTsv("\t\n\u0000\t\u0000\n;;;\n");
    expect(r.agencies).toEqual([]);
    expect(r.skipped.map((s) => s.line)).toEqual([2, 3]);
  });

  it("applies validFrom/validTo options and rejects malformed ones", () => {
    const r = importTayNinhTsv(text, { validFrom: "2021-06-01", validTo: "2025-07-01" });
    expect(
      r.agencies.every((a) => a.validFrom === "2021-06-01" && a.validTo === "2025-07-01"),
    ).toBe(true);
    const d = Directory.fromAgencies(r.agencies);
    expect(d.resolve(oid("000.21.31.H53"), day("2025-07-01")).status).toBe("inactive");
    expect(errorOf(() => importTayNinhTsv(text, { validFrom: "1/7/2025" })).code).toBe(
      "DATE_MALFORMED",
    );
    expect(errorOf(() => importTayNinhTsv(text, { validTo: "2020-01-01" })).field).toBe("validTo");
  });
});
