import { z } from "zod";

// RPC `reports.monthly`: one Vietnam month's traffic counted per agency by the archive
// (@edoc/reports countByAgency). Names and tiers come from the caller's directory.

const count = z.number().int().nonnegative();

export const AgencyMonthCounts = z.object({
  organId: z.string().min(1).max(64),
  sent: count,
  received: count,
  onTime: count,
  overdue: count,
  pending: count,
  withdrawn: count,
  statuses: count,
  returned: count,
});

export const ReportsRpcParams = {
  "reports.monthly": z.object({ month: z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/, "yyyy-mm") }),
} as const;
export type ReportsRpcMethod = keyof typeof ReportsRpcParams;

export const ReportsRpcResults = {
  "reports.monthly": z.object({
    month: z.string(),
    /** when counted: open deliveries are judged against their deadline at this instant */
    asOf: z.string().datetime({ offset: true }),
    /** the urgent letters' receipt window the archive counted with */
    urgentMinutes: count,
    agencies: z.array(AgencyMonthCounts),
    /** the month had more rows than the archive reads for one report */
    truncated: z.boolean(),
  }),
} as const;
