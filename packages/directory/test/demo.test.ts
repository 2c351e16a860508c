import { Directory, demoNetwork, type Resolution } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { day, oid } from "./helpers.js";

const d = Directory.fromJson(demoNetwork());
const TODAY = day("2026-01-15");
const before = day("2024-06-01");
const viaOf = (r: Resolution) =>
  r.status === "active" ? { to: r.agency.id, via: r.via } : r.status;

describe("demoNetwork", () => {
  it("is a valid edoc-directory/1 document that survives JSON", () => {
    const json = demoNetwork();
    expect(json.format).toBe("edoc-directory/1");
    expect(Directory.fromJson(JSON.parse(JSON.stringify(json))).size).toBe(json.agencies.length);
  });

  it("returns a fresh copy each time", () => {
    const a = demoNetwork();
    a.agencies[0]!.name = "changed";
    expect(demoNetwork().agencies[0]!.name).toBe("Văn phòng Chính phủ");
  });

  it("has the national axis, the H45 province, departments, districts, communes and divisions", () => {
    expect(d.get(oid("000.00.00.G22"), TODAY)?.tier).toBe("central");
    expect(d.get(oid("000.00.00.H45"), TODAY)?.tier).toBe("province");
    const tiers = (at: Date) => d.list(at).map((a) => a.tier);
    const count = (at: Date, t: string) => tiers(at).filter((x) => x === t).length;
    expect(count(TODAY, "department")).toBe(3 + 1); // Văn phòng UBND + 3 Sở
    expect(count(before, "district")).toBe(2);
    expect(count(before, "commune")).toBe(5);
    expect(count(TODAY, "division")).toBeGreaterThanOrEqual(2);
  });

  it("keeps one district and its communes active today for commune -> district -> department demos", () => {
    const tuyHoa = oid("000.00.30.H45");
    expect(d.get(tuyHoa, TODAY)?.name).toBe("Ủy ban nhân dân thành phố Tuy Hòa");
    const communes = d.children(tuyHoa, TODAY).filter((a) => a.tier === "commune");
    expect(communes.map((a) => a.id)).toEqual(["000.20.30.H45", "000.22.30.H45"]);
    expect(d.get(tuyHoa, TODAY)?.parent).toBe("000.00.00.H45");
  });

  it("models the 2025 reform with successors", () => {
    // merged communes (one of them twice)
    expect(viaOf(d.resolve(oid("000.21.30.H45"), TODAY))).toEqual({
      to: "000.20.30.H45",
      via: ["000.20.30.H45"],
    });
    expect(viaOf(d.resolve(oid("000.21.30.H45"), before))).toEqual({
      to: "000.21.30.H45",
      via: [],
    });
    expect(viaOf(d.resolve(oid("000.23.30.H45"), TODAY))).toEqual({
      to: "000.20.30.H45",
      via: ["000.21.30.H45", "000.20.30.H45"],
    });
    // the abolished district hands over to the province
    expect(viaOf(d.resolve(oid("000.00.31.H45"), TODAY))).toEqual({
      to: "000.00.00.H45",
      via: ["000.00.00.H45"],
    });
    // merged departments
    expect(viaOf(d.resolve(oid("000.00.05.H45"), TODAY))).toEqual({
      to: "000.00.04.H45",
      via: ["000.00.04.H45"],
    });
    // closed without successor
    expect(d.resolve(oid("000.01.31.H45"), TODAY).status).toBe("inactive");
  });

  it("moves a commune from its district to the province on 2025-07-01", () => {
    const xuanPhu = oid("000.20.31.H45");
    expect(d.get(xuanPhu, day("2025-06-30"))?.parent).toBe("000.00.31.H45");
    expect(d.get(xuanPhu, day("2025-07-01"))?.parent).toBe("000.00.00.H45");
    expect(viaOf(d.resolve(oid("000.21.31.H45"), TODAY))).toEqual({ to: xuanPhu, via: [xuanPhu] });
  });

  it("uses Vietnamese names with diacritics", () => {
    for (const a of demoNetwork().agencies) expect(a.name, a.id).toMatch(/[^\u0020-\u007e]/u);
  });
});
