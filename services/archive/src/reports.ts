import { RpcError } from "@edoc/bus";
import type { RpcParamsOf, RpcResultOf } from "@edoc/messages";
import { countByAgency, monthBounds } from "@edoc/reports";
import type { DeadlinePolicy } from "@edoc/routing";
import type { Ctx } from "./context.js";
import { readMonthRows } from "./report-rows.js";

export interface ReportDeps {
  /** the receipt deadline this hub applies (EDOC_URGENT_RECEIPT_MINUTES) */
  deadline: DeadlinePolicy;
}

/**
 * RPC `reports.monthly`: one Vietnam month counted per agency (@edoc/reports). Deliveries not
 * yet acknowledged are judged at the moment of the request. An operator query, not a hot path.
 */
export function monthlyCounts(deps: ReportDeps) {
  return async (
    ctx: Ctx,
    p: RpcParamsOf<"reports.monthly">,
  ): Promise<RpcResultOf<"reports.monthly">> => {
    const now = new Date();
    const { start, end } = monthBounds(p.month);
    if (start.getTime() > now.getTime())
      throw new RpcError("REPORT_FUTURE_MONTH", `${p.month} has not begun yet`, 400);
    const { rows, truncated } = await readMonthRows(ctx.c, start, end);
    if (truncated) ctx.log.warn({ month: p.month }, "monthly report: row limit reached");
    return {
      month: p.month,
      asOf: now.toISOString(),
      urgentMinutes: deps.deadline.urgentMinutes,
      agencies: countByAgency(rows, now, deps.deadline),
      truncated,
    };
  };
}
