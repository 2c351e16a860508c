import {
  applyEdit,
  Directory,
  demoNetwork,
  isDirectoryTsv,
  parseDirectoryTsv,
  toDirectoryJson,
} from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { agency, day, errorOf, oid } from "./helpers.js";

const demo = () => demoNetwork().agencies;
const NEW_ID = "000.24.30.H45";
const newCommune = () =>
  agency(NEW_ID, "commune", { parent: "000.00.30.H45", validFrom: "2026-01-01" });

describe("applyEdit", () => {
  it("adds a period and reports the new id; the same add again changes nothing", () => {
    const r = applyEdit(demo(), { op: "add", agency: newCommune() });
    expect(r.added).toEqual([NEW_ID]);
    expect(r.changed).toEqual([]);
    expect(Directory.fromAgencies(r.agencies).get(oid(NEW_ID), day("2026-02-01"))?.tier).toBe(
      "commune",
    );
    const again = applyEdit(r.agencies, { op: "add", agency: newCommune() });
    expect([again.added, again.changed, again.removed]).toEqual([[], [], []]);
  });

  it("refuses an add over an existing period, an unknown parent and an overlap", () => {
    const base = applyEdit(demo(), { op: "add", agency: newCommune() }).agencies;
    const renamed = { ...newCommune(), name: "Xã khác" };
    expect(errorOf(() => applyEdit(base, { op: "add", agency: renamed })).code).toBe(
      "DIRECTORY_CHANGE_INVALID",
    );
    const orphan = agency("000.25.30.H45", "commune", { parent: "000.00.39.H45" });
    expect(errorOf(() => applyEdit(base, { op: "add", agency: orphan })).code).toBe(
      "DIRECTORY_INVALID",
    );
    const overlap = { ...newCommune(), validFrom: "2026-06-01" };
    expect(errorOf(() => applyEdit(base, { op: "add", agency: overlap })).message).toMatch(
      /overlaps/,
    );
  });

  it("updates the period starting on the given day, and only an existing one", () => {
    const base = applyEdit(demo(), { op: "add", agency: newCommune() }).agencies;
    const r = applyEdit(base, { op: "update", agency: { ...newCommune(), name: "Phường 4" } });
    expect(r.changed).toEqual([NEW_ID]);
    expect(r.agencies.find((a) => a.id === NEW_ID)?.name).toBe("Phường 4");
    const other = { ...newCommune(), validFrom: "2026-03-01" };
    expect(errorOf(() => applyEdit(base, { op: "update", agency: other })).code).toBe(
      "DIRECTORY_CHANGE_INVALID",
    );
  });

  it("closes the latest period with a successor; letters then resolve to the successor", () => {
    const id = oid("000.22.30.H45");
    const r = applyEdit(demo(), {
      op: "close",
      id,
      validTo: "2026-02-01",
      successor: oid("000.20.30.H45"),
    });
    expect(r.changed).toEqual([id]);
    const d = Directory.fromAgencies(r.agencies);
    expect(d.resolve(id, day("2026-01-31")).status).toBe("active");
    const later = d.resolve(id, day("2026-02-01"));
    expect(later.status === "active" && later.agency.id).toBe("000.20.30.H45");
    expect(
      errorOf(() => applyEdit(demo(), { op: "close", id: oid(NEW_ID), validTo: "2026-02-01" }))
        .code,
    ).toBe("DIRECTORY_CHANGE_INVALID");
  });

  it("refuses a close before the period starts", () => {
    expect(
      errorOf(() =>
        applyEdit(demo(), { op: "close", id: oid("000.22.30.H45"), validTo: "2010-01-01" }),
      ).code,
    ).toBe("DIRECTORY_INVALID");
  });

  it("imports a whole set, reporting added, changed and removed ids", () => {
    const keep = demo().filter((a) => a.id !== "000.00.04.H45" && a.parent !== "000.00.04.H45");
    // Sở TTTT's successor was Sở KH&CN: drop it too, or the set is invalid.
    const set = keep.filter((a) => a.id !== "000.00.05.H45");
    set.push(newCommune());
    const r = applyEdit(demo(), { op: "import", agencies: set });
    expect(r.added).toEqual([NEW_ID]);
    expect(r.removed).toEqual(["000.00.04.H45", "000.01.04.H45", "000.00.05.H45"]); // tree order
    expect(r.changed).toEqual([]);
  });
});

describe("parseDirectoryTsv", () => {
  it("reads a header-led TSV into the same records as the JSON format", () => {
    const json = toDirectoryJson(demo());
    const cols = ["id", "name", "tier", "parent", "validFrom", "validTo", "successor", "email"];
    const text = [
      cols.join("\t"),
      ...json.agencies.map((a) =>
        cols.map((c) => String((a as unknown as Record<string, unknown>)[c] ?? "")).join("\t"),
      ),
      "",
    ].join("\r\n");
    expect(isDirectoryTsv(text)).toBe(true);
    expect(parseDirectoryTsv(text)).toEqual(json.agencies);
  });

  it("names the line of a bad record and refuses unknown columns", () => {
    const bad =
      "id\tname\ttier\tvalidFrom\n000.00.00.H45\tUBND\tprovince\t2016-01-01\n28.22.H17\tX\tcommune\t2016-01-01\n";
    const err = errorOf(() => parseDirectoryTsv(bad));
    expect(err.code).toBe("DIRECTORY_TSV_INVALID");
    expect(err.message).toMatch(/line 3: .*28\.22\.H17/);
    expect(errorOf(() => parseDirectoryTsv("id\tname\ttier\tvalidfrom\n")).message).toMatch(
      /unknown column "validfrom"/,
    );
    expect(isDirectoryTsv("000.00.00.H53\tUBND tỉnh Tây Ninh\n")).toBe(false);
  });
});
