import type { MaintenanceState, RpcParamsOf, RpcResultOf } from "@edoc/messages";
import { type Ctx, compact, nowIso } from "./context.js";

/** The one row of `maintenance` (`_id` "hub"): the switch every gateway polls. */
export type MaintenanceDoc = MaintenanceState & { _id: "hub" };

const OFF: MaintenanceState = { on: false, retryAfterSeconds: 300 };

/**
 * `maintenance.get`: read from the database on every call (never cached here), so several
 * archive instances answer the same.
 */
export async function getMaintenance(
  ctx: Ctx,
  _p: RpcParamsOf<"maintenance.get">,
): Promise<RpcResultOf<"maintenance.get">> {
  const row = await ctx.c.maintenance.findOne({ _id: "hub" });
  if (!row) return OFF;
  const { _id, ...state } = row;
  return state;
}

/** `maintenance.set`: an operator switches maintenance mode on or off. */
export async function setMaintenance(
  ctx: Ctx,
  p: RpcParamsOf<"maintenance.set">,
): Promise<RpcResultOf<"maintenance.set">> {
  const state: MaintenanceState = compact({
    on: p.on,
    retryAfterSeconds: p.retryAfterSeconds,
    reason: p.reason,
    by: p.by,
    since: nowIso(),
  });
  await ctx.c.maintenance.replaceOne({ _id: "hub" }, state, { upsert: true });
  ctx.log.warn({ maintenance: state }, `maintenance mode ${state.on ? "on" : "off"}`);
  return state;
}
