import { type Directory, isOrganId, TIERS, type Tier } from "@edoc/directory";
import { type AgencyCounts, addCounts, type Counts, zeroCounts } from "./counts.js";
import { monthBounds } from "./month.js";

/** What the directory says of an agency for the report's month; undefined = not in it. */
export interface AgencyInfo {
  name: string;
  tier: Tier;
}

/** Agencies the directory does not know (outside the province, closed long ago). */
export const UNKNOWN_TIER = "unknown";
export type ReportTier = Tier | typeof UNKNOWN_TIER;

export type AgencyLine = AgencyCounts & { name: string; tier: ReportTier };
export type TierLine = Counts & { tier: ReportTier; agencies: number };

/** The monthly report (báo cáo tháng) leadership reads: per agency, per tier, in total. */
export interface MonthlyReport {
  /** Vietnam month yyyy-mm */
  month: string;
  /** when the counts were taken (deliveries still open are judged at this instant) */
  asOf: string;
  /** the urgent letters' receipt window the deadlines were computed with */
  urgentMinutes: number;
  agencies: AgencyLine[];
  /** one line per tier that has agencies in the report, in the directory's tier order */
  tiers: TierLine[];
  total: Counts;
  /** the archive stopped at its row limit: the counts are a lower bound */
  truncated: boolean;
}

export interface MonthlyCounts {
  month: string;
  asOf: string;
  urgentMinutes: number;
  agencies: AgencyCounts[];
  truncated: boolean;
}

/** Names and tiers the per-agency counts from the directory, and sums them per tier. */
export function monthlyReport(
  counts: MonthlyCounts,
  lookup: (organId: string) => AgencyInfo | undefined,
): MonthlyReport {
  const agencies: AgencyLine[] = counts.agencies.map((a) => {
    const info = lookup(a.organId);
    return { ...a, name: info?.name ?? "", tier: info?.tier ?? UNKNOWN_TIER };
  });
  const byTier = new Map<ReportTier, TierLine>();
  const total = zeroCounts();
  for (const a of agencies) {
    const t = byTier.get(a.tier) ?? { tier: a.tier, agencies: 0, ...zeroCounts() };
    byTier.set(a.tier, t);
    t.agencies += 1;
    addCounts(t, a);
    addCounts(total, a);
  }
  const order: readonly ReportTier[] = [...TIERS, UNKNOWN_TIER];
  const tiers = order.flatMap((tier) => byTier.get(tier) ?? []);
  return {
    month: counts.month,
    asOf: counts.asOf,
    urgentMinutes: counts.urgentMinutes,
    agencies,
    tiers,
    total,
    truncated: counts.truncated,
  };
}

/**
 * The directory's word on an agency for a month: the record valid on the month's last day,
 * else its latest period (closed before or opened after the month).
 */
export function agencyLookup(
  directory: Directory,
  month: string,
): (organId: string) => AgencyInfo | undefined {
  const lastInstant = new Date(monthBounds(month).end.getTime() - 1);
  return (organId) => {
    if (!isOrganId(organId)) return undefined;
    const a = directory.get(organId, lastInstant) ?? directory.history(organId).at(-1);
    return a ? { name: a.name, tier: a.tier } : undefined;
  };
}
