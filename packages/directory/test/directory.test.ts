import { type Agency, Directory, type OrganId } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { agency, day, errorOf, oid } from "./helpers.js";

const P = "000.00.00.H45";
const D = "000.00.30.H45";
const base = (): Agency[] => [
  agency(P, "province"),
  agency("000.00.02.H45", "department", { parent: P }),
  agency(D, "district", { parent: P }),
  agency("000.20.30.H45", "commune", { parent: D }),
  agency("000.21.30.H45", "commune", {
    parent: D,
    validTo: "2025-07-01",
    successor: "000.20.30.H45",
  }),
];

describe("Directory.fromAgencies validation", () => {
  it("accepts a consistent directory and counts records", () => {
    expect(Directory.fromAgencies(base()).size).toBe(5);
  });

  it("accepts back-to-back periods of one id (validTo exclusive = next validFrom)", () => {
    const d = Directory.fromAgencies([
      ...base(),
      agency("000.22.30.H45", "commune", { parent: D, validTo: "2025-07-01" }),
      agency("000.22.30.H45", "commune", { parent: P, validFrom: "2025-07-01" }),
    ]);
    expect(d.size).toBe(7);
    expect(d.history(oid("000.22.30.H45")).map((a) => a.parent)).toEqual([D, P]);
  });

  it("rejects overlapping periods for one id, naming both records", () => {
    const e = errorOf(() =>
      Directory.fromAgencies([
        ...base(),
        agency("000.22.30.H45", "commune", { parent: D, validTo: "2025-07-02" }),
        agency("000.22.30.H45", "commune", { parent: D, validFrom: "2025-07-01" }),
      ]),
    );
    expect(e.code).toBe("DIRECTORY_INVALID");
    expect(e.field).toBe("agencies[6].validFrom");
    expect(e.message).toContain("000.22.30.H45");
    expect(e.message).toContain("overlaps agencies[5] (2016-01-01..2025-07-02)");
  });

  it("rejects a second open-ended period of the same id", () => {
    const e = errorOf(() =>
      Directory.fromAgencies([...base(), agency(P, "province", { validFrom: "2020-01-01" })]),
    );
    expect(e.code).toBe("DIRECTORY_INVALID");
    expect(e.message).toContain("overlaps agencies[0] (2016-01-01..open)");
  });

  it("rejects a parent that is not in the directory", () => {
    const e = errorOf(() =>
      Directory.fromAgencies([
        ...base(),
        agency("000.20.31.H45", "commune", { parent: "000.00.31.H45" }),
      ]),
    );
    expect(e.code).toBe("DIRECTORY_INVALID");
    expect(e.field).toBe("agencies[5].parent");
    expect(e.message).toContain("000.20.31.H45 (Cơ quan 000.20.31.H45");
    expect(e.message).toContain("000.00.31.H45 is not in the directory");
  });

  it("rejects a successor that is not in the directory", () => {
    const e = errorOf(() =>
      Directory.fromAgencies([
        agency(P, "province"),
        agency("000.00.05.H45", "department", {
          parent: P,
          validTo: "2025-03-01",
          successor: "000.00.04.H45",
        }),
      ]),
    );
    expect(e.field).toBe("agencies[1].successor");
    expect(e.message).toContain("000.00.04.H45 is not in the directory");
  });

  it("rejects successor cycles, showing the cycle", () => {
    const e = errorOf(() =>
      Directory.fromAgencies([
        agency(P, "province"),
        agency("000.00.02.H45", "department", {
          parent: P,
          validTo: "2020-01-01",
          successor: "000.00.03.H45",
        }),
        agency("000.00.03.H45", "department", {
          parent: P,
          validTo: "2021-01-01",
          successor: "000.00.04.H45",
        }),
        agency("000.00.04.H45", "department", {
          parent: P,
          validTo: "2022-01-01",
          successor: "000.00.02.H45",
        }),
      ]),
    );
    expect(e.code).toBe("DIRECTORY_INVALID");
    expect(e.message).toContain(
      "successor cycle 000.00.02.H45 -> 000.00.03.H45 -> 000.00.04.H45 -> 000.00.02.H45",
    );
  });

  it("rejects a successor that is the agency itself, or given without validTo", () => {
    const self = agency("000.00.02.H45", "department", { parent: P, validTo: "2020-01-01" });
    self.successor = self.id;
    expect(errorOf(() => Directory.fromAgencies([agency(P, "province"), self])).message).toContain(
      "is the agency itself",
    );
    const open = agency("000.00.02.H45", "department", { parent: P });
    open.successor = oid(P);
    const e = errorOf(() => Directory.fromAgencies([agency(P, "province"), open]));
    expect(e.field).toBe("agencies[1].successor");
    expect(e.message).toContain("needs validTo");
  });

  it("rejects parent cycles", () => {
    const e = errorOf(() =>
      Directory.fromAgencies([
        agency("000.00.02.H45", "department", { parent: "000.00.03.H45" }),
        agency("000.00.03.H45", "department", { parent: "000.00.02.H45" }),
      ]),
    );
    expect(e.message).toContain("parent cycle");
  });

  it("rejects bad fields from untyped callers, naming the field", () => {
    const bad = (patch: Record<string, unknown>): Agency =>
      ({ ...agency(P, "province"), ...patch }) as Agency;
    const cases: [Record<string, unknown>, string][] = [
      [{ id: "28.22.H17" }, "agencies[0].id"],
      [{ name: "  " }, "agencies[0].name"],
      [{ tier: "ward" }, "agencies[0].tier"],
      [{ validFrom: "2016-13-01" }, "agencies[0].validFrom"],
      [{ validTo: "2016-01-01" }, "agencies[0].validTo"],
      [{ parent: P }, "agencies[0].parent"],
      [{ email: "not an email" }, "agencies[0].email"],
    ];
    for (const [patch, field] of cases) {
      const e = errorOf(() => Directory.fromAgencies([bad(patch)]));
      expect(e.code).toBe("DIRECTORY_INVALID");
      expect(e.field).toBe(field);
    }
  });

  it("freezes its records so callers cannot change the directory", () => {
    const input = base();
    const d = Directory.fromAgencies(input);
    input[0]!.name = "changed";
    const p = d.get(oid(P), day("2020-01-01"))!;
    expect(p.name).toBe(`Cơ quan ${P}`);
    expect(() => {
      p.name = "x";
    }).toThrow(TypeError);
  });
});

describe("time-aware lookups", () => {
  const d = Directory.fromAgencies(base());
  const closing = oid("000.21.30.H45");

  it("treats validFrom as inclusive and validTo as exclusive, by Vietnam calendar day", () => {
    expect(d.get(closing, day("2016-01-01"))?.id).toBe(closing);
    expect(d.get(closing, day("2015-12-31"))).toBeUndefined();
    expect(d.get(closing, new Date("2025-06-30T23:59:59+07:00"))?.id).toBe(closing);
    expect(d.get(closing, day("2025-07-01"))).toBeUndefined();
    // 00:30 on 1 July in Hà Nội is 17:30 on 30 June in UTC: the reform has already taken effect.
    expect(d.get(closing, new Date("2025-07-01T00:30:00+07:00"))).toBeUndefined();
    expect(d.get(closing, new Date("2025-06-30T17:00:00Z"))).toBeUndefined();
    expect(d.get(closing, new Date("2025-06-30T16:59:59Z"))?.id).toBe(closing);
  });

  it("hands a dissolved agency over to its successor at 00:00 local time on reform day", () => {
    const at = new Date("2025-07-01T00:30:00+07:00");
    const r = d.resolve(closing, at);
    expect(r.status).toBe("active");
    expect(r.status === "active" && r.via).toEqual([oid("000.20.30.H45")]);
    expect(d.list(at).some((a) => a.id === closing)).toBe(false);
    const before = d.resolve(closing, new Date("2025-06-30T23:30:00+07:00"));
    expect(before.status === "active" && before.via).toEqual([]);
  });

  it("defaults to now", () => {
    expect(d.get(closing)).toBeUndefined();
    expect(d.get(oid(D))?.tier).toBe("district");
  });

  it("rejects an invalid Date with DATE_MALFORMED", () => {
    expect(errorOf(() => d.get(closing, new Date("nonsense"))).code).toBe("DATE_MALFORMED");
  });

  it("lists children and all records valid at a date, in tree order", () => {
    expect(d.children(oid(D), day("2024-01-01")).map((a) => a.id)).toEqual([
      "000.20.30.H45",
      "000.21.30.H45",
    ]);
    expect(d.children(oid(D), day("2025-07-01")).map((a) => a.id)).toEqual(["000.20.30.H45"]);
    expect(d.children(oid("000.20.30.H45"), day("2025-07-01"))).toEqual([]);
    expect(d.list(day("2015-01-01"))).toEqual([]);
    expect(d.list(day("2026-01-01")).map((a) => a.id)).toEqual([
      P,
      "000.00.02.H45",
      D,
      "000.20.30.H45",
    ]);
    expect(d.all()).toHaveLength(5);
  });
});

describe("resolve", () => {
  const records = [
    ...base(),
    agency("000.22.30.H45", "commune", {
      parent: D,
      validTo: "2020-01-01",
      successor: "000.21.30.H45",
    }),
    agency("000.23.30.H45", "commune", { parent: D, validTo: "2025-07-01" }),
    agency("000.24.30.H45", "commune", {
      parent: D,
      validTo: "2024-01-01",
      successor: "000.25.30.H45",
    }),
    agency("000.25.30.H45", "commune", { parent: D, validFrom: "2024-06-01" }),
    agency("000.26.30.H45", "commune", { parent: D, validFrom: "2030-01-01" }),
  ];
  const d = Directory.fromAgencies(records);
  const r = (id: string, at: string) => d.resolve(oid(id), day(at));

  it("returns an active agency addressed directly with an empty via", () => {
    expect(r(D, "2026-01-01")).toEqual({ status: "active", agency: d.get(oid(D)), via: [] });
  });

  it("follows one successor", () => {
    const res = r("000.21.30.H45", "2025-07-01");
    expect(res.status).toBe("active");
    if (res.status !== "active") return;
    expect(res.agency.id).toBe("000.20.30.H45");
    expect(res.via).toEqual(["000.20.30.H45"]);
  });

  it("follows a chain of successors, depending on the date", () => {
    const later = r("000.22.30.H45", "2026-01-01");
    expect(later.status === "active" && later.via).toEqual(["000.21.30.H45", "000.20.30.H45"]);
    const earlier = r("000.22.30.H45", "2022-01-01");
    expect(earlier.status === "active" && earlier.via).toEqual(["000.21.30.H45"]);
    expect(r("000.22.30.H45", "2019-12-31")).toMatchObject({ status: "active", via: [] });
  });

  it("reports a closed agency without successor as inactive", () => {
    expect(r("000.23.30.H45", "2026-01-01")).toEqual({
      status: "inactive",
      agency: d.history(oid("000.23.30.H45"))[0],
    });
  });

  it("reports inactive when the successor is not active yet (a gap between periods)", () => {
    const res = r("000.24.30.H45", "2024-03-01");
    expect(res.status).toBe("inactive");
    expect(res.status === "inactive" && res.agency.id).toBe("000.24.30.H45");
    expect(r("000.24.30.H45", "2024-06-01")).toMatchObject({
      status: "active",
      via: ["000.25.30.H45"],
    });
  });

  it("reports unknown ids, and ids whose first period starts later", () => {
    expect(r("000.99.30.H45", "2026-01-01")).toEqual({ status: "unknown", id: "000.99.30.H45" });
    expect(r("000.26.30.H45", "2026-01-01")).toEqual({ status: "unknown", id: "000.26.30.H45" });
  });

  it("is bounded: a long successor chain resolves without recursion", () => {
    const n = 60;
    const code = (i: number) => `000.00.${String(i).padStart(2, "0")}.H45`;
    const chain: Agency[] = [agency(P, "province")];
    for (let i = 1; i < n; i++) {
      chain.push(
        agency(code(i), "department", {
          parent: P,
          validTo: `${2030 + i}-01-01`,
          successor: code(i + 1),
        }),
      );
    }
    chain.push(agency(code(n), "department", { parent: P }));
    const res = Directory.fromAgencies(chain).resolve(oid(code(1)), day("2100-01-01"));
    expect(res.status).toBe("active");
    if (res.status !== "active") return;
    expect(res.agency.id).toBe(code(n));
    expect(res.via).toHaveLength(n - 1);
    const via: OrganId[] = res.via;
    expect(via[0]).toBe(code(2));
  });
});
