import { compareOrganIds, type OrganId } from "./organ-id.js";

/** Where an agency sits; data from the directory, never guessed from the code's digits. */
export type Tier = "central" | "province" | "department" | "district" | "commune" | "division";

export const TIERS: readonly Tier[] = [
  "central",
  "province",
  "department",
  "district",
  "commune",
  "division",
];

/** Vietnamese names of the tiers, as the console and the reports show them. */
export const TIER_LABELS: Record<Tier, string> = {
  central: "Trung ương (bộ, ngành)",
  province: "Tỉnh (UBND tỉnh)",
  department: "Sở, ban, ngành",
  district: "Huyện (UBND huyện)",
  commune: "Xã, phường, thị trấn",
  division: "Phòng, đơn vị trực thuộc",
};

export function isTier(s: string): s is Tier {
  return (TIERS as readonly string[]).includes(s);
}

/** One validity period of one agency (cơ quan). An id may have several, never overlapping. */
export interface Agency {
  id: OrganId;
  name: string;
  tier: Tier;
  parent?: OrganId;
  /** ISO date yyyy-mm-dd, inclusive */
  validFrom: string;
  /** ISO date, exclusive; absent = still active */
  validTo?: string;
  /** who takes over after validTo (mergers, the 2025 reform) */
  successor?: OrganId;
  email?: string;
  /**
   * The peer hub that holds this agency's mailbox when it is not this hub (liên thông giữa
   * các trục): `upstream` in a provincial hub for the ministries and other provinces; at the
   * national axis, the id of the downstream hub (its VDXP system) that serves the province.
   * Absent: this hub delivers to the agency itself. Data, never derived from the code.
   */
  hub?: string;
}

/** The `hub` a provincial hub gives what its upstream link serves (the national axis or a parent hub). */
export const UPSTREAM_HUB = "upstream";

/** A peer hub's id as the directory and the trace name it: a VDXP systemid or `upstream`. */
export function isHubId(s: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(s);
}

/** Deliberately loose: one @, something on both sides, no spaces. Mailboxes are not verified. */
export function isPlausibleEmail(s: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(s);
}

/** A plain copy with only the Agency fields, in a fixed key order, absent ones omitted. */
export function copyAgency(a: Agency): Agency {
  return {
    id: a.id,
    name: a.name,
    tier: a.tier,
    ...(a.parent !== undefined && { parent: a.parent }),
    validFrom: a.validFrom,
    ...(a.validTo !== undefined && { validTo: a.validTo }),
    ...(a.successor !== undefined && { successor: a.successor }),
    ...(a.email !== undefined && { email: a.email }),
    ...(a.hub !== undefined && { hub: a.hub }),
  };
}

/** Tree order of ids, then oldest period first. */
export function compareAgencies(a: Agency, b: Agency): number {
  const byId = compareOrganIds(a.id, b.id);
  if (byId !== 0) return byId;
  return a.validFrom < b.validFrom ? -1 : a.validFrom > b.validFrom ? 1 : 0;
}
