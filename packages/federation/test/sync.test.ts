import { type Agency, Directory, type OrganId, parseOrganId } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import {
  agenciesFromQd20,
  checkPeerSender,
  mergeUpstreamAgencies,
  type Qd20Row,
  syncPlan,
} from "../src/index.js";

const id = (s: string): OrganId => parseOrganId(s);
const PROVINCE_A = id("000.00.00.H45");
const COMMUNE_A = id("000.20.30.H45");
const MINISTRY = id("000.00.00.G22");
const PROVINCE_B = id("000.00.00.H53");
const DEPT_B = id("000.00.02.H53");
const OLD_DISTRICT_B = id("000.00.31.H53");

const local: Agency[] = [
  { id: PROVINCE_A, name: "UBND tỉnh A", tier: "province", validFrom: "2020-01-01" },
  {
    id: COMMUNE_A,
    name: "UBND phường 1",
    tier: "commune",
    parent: PROVINCE_A,
    validFrom: "2020-01-01",
  },
];

function row(code: string, name: string, o: Partial<Qd20Row> = {}): Qd20Row {
  return {
    code,
    name,
    pid: "",
    oldCode: "",
    status: 1,
    deleted: false,
    modifyDate: "2020-01-01",
    ...o,
  };
}

const upstreamRows: Qd20Row[] = [
  // The upstream's view of this hub's own agency: local wins.
  row(PROVINCE_A, "Tỉnh A (as the axis names it)"),
  row(MINISTRY, "Văn phòng Chính phủ"),
  row(PROVINCE_B, "UBND tỉnh B"),
  row(DEPT_B, "Sở Nội vụ tỉnh B", { pid: PROVINCE_B, oldCode: OLD_DISTRICT_B }),
  row(OLD_DISTRICT_B, "Huyện cũ (giải thể)", {
    pid: PROVINCE_B,
    status: 0,
    deleted: true,
    modifyDate: "2025-07-01",
  }),
  row("not-a-code", "Broken"),
];

describe("agenciesFromQd20", () => {
  it("reads closed rows as periods ending on their modifyDate, with the successor that lists them", () => {
    const { agencies, skipped } = agenciesFromQd20(upstreamRows);
    expect(skipped).toEqual([{ code: "not-a-code", why: "not an OrganId" }]);
    const old = agencies.find((a) => a.id === OLD_DISTRICT_B);
    expect(old).toMatchObject({ validTo: "2025-07-01", successor: DEPT_B, parent: PROVINCE_B });
    expect(agencies.find((a) => a.id === MINISTRY)?.tier).toBe("central");
    expect(agencies.find((a) => a.id === DEPT_B)?.tier).toBe("department");
  });
});

describe("mergeUpstreamAgencies", () => {
  const upstream = agenciesFromQd20(upstreamRows).agencies;

  it("adds the agencies it learns with hub upstream, keeps local ones, orders so each edit is valid", () => {
    const plan = syncPlan(local, upstream);
    expect(plan.keptLocal).toEqual([PROVINCE_A]);
    expect(plan.edits.map((e) => `${e.op} ${e.agency.id}`)).toEqual([
      `add ${MINISTRY}`,
      `add ${PROVINCE_B}`,
      `add ${DEPT_B}`,
      `add ${OLD_DISTRICT_B}`,
    ]);
    for (const e of plan.edits) expect(e.agency.hub).toBe("upstream");
    // Applying them in order gives a directory that validates, the reform's successor working.
    const after = Directory.fromAgencies([...local, ...plan.edits.map((e) => e.agency)]);
    const r = after.resolve(OLD_DISTRICT_B, new Date("2025-07-01T00:30:00+07:00"));
    expect(r).toMatchObject({ status: "active", via: [DEPT_B] });
    expect(after.get(PROVINCE_A)?.name).toBe("UBND tỉnh A");
  });

  it("is idempotent, and updates a learned period the upstream changed", () => {
    const once = mergeUpstreamAgencies(local, upstream);
    const learned = [...local, ...once.map((e) => e.agency)];
    expect(mergeUpstreamAgencies(learned, upstream)).toEqual([]);
    const renamed = upstream.map((a) => (a.id === DEPT_B ? { ...a, name: "Sở Nội vụ (mới)" } : a));
    expect(mergeUpstreamAgencies(learned, renamed)).toEqual([
      { op: "update", agency: expect.objectContaining({ id: DEPT_B, name: "Sở Nội vụ (mới)" }) },
    ]);
  });

  it("closes a learned open period when the upstream closes it; drops unknown parents", () => {
    const learned: Agency[] = [
      ...local,
      {
        id: PROVINCE_B,
        name: "UBND tỉnh B",
        tier: "province",
        validFrom: "2020-01-01",
        hub: "upstream",
      },
    ];
    const closed = agenciesFromQd20([
      row(PROVINCE_B, "UBND tỉnh B", { status: 0, deleted: true, modifyDate: "2025-07-01" }),
      row(id("000.00.09.H99"), "Orphan", { pid: id("000.00.00.H99") }),
    ]).agencies;
    const edits = mergeUpstreamAgencies(learned, closed);
    expect(edits).toEqual([
      { op: "add", agency: expect.objectContaining({ id: "000.00.09.H99" }) },
      {
        op: "update",
        agency: expect.objectContaining({
          id: PROVINCE_B,
          validFrom: "2020-01-01",
          validTo: "2025-07-01",
        }),
      },
    ]);
    expect(edits[0]?.agency.parent).toBeUndefined();
  });
});

describe("checkPeerSender", () => {
  const dir = Directory.fromAgencies([
    ...local,
    {
      id: PROVINCE_B,
      name: "UBND tỉnh B",
      tier: "province",
      validFrom: "2020-01-01",
      hub: "hub-b",
    },
  ]);

  it("refuses a peer bringing a letter of this hub's own agency", () => {
    expect(checkPeerSender(dir, COMMUNE_A, "hub-b")).toMatchObject({
      ok: false,
      code: "SENDER_NOT_REMOTE",
    });
  });

  it("accepts the peer's own agencies and agencies this hub does not know", () => {
    expect(checkPeerSender(dir, PROVINCE_B, "hub-b")).toEqual({ ok: true });
    expect(checkPeerSender(dir, MINISTRY, "hub-b")).toEqual({ ok: true });
    expect(checkPeerSender(dir, PROVINCE_B, "upstream")).toEqual({ ok: true });
  });

  it("refuses an agency the directory gives to another peer hub", () => {
    expect(checkPeerSender(dir, PROVINCE_B, "hub-c")).toMatchObject({
      ok: false,
      code: "SENDER_NOT_REMOTE",
    });
  });
});
