import type { RpcParamsOf, RpcResultOf } from "@edoc/messages";
import type { Ctx } from "./context.js";

/** RPC `chain.heads`: signed heads after `since`, oldest first, with their timestamp tokens. */
export async function listChainHeads(
  ctx: Ctx,
  p: RpcParamsOf<"chain.heads">,
): Promise<RpcResultOf<"chain.heads">> {
  const docs = await ctx.c.chainHeads
    .find({ _id: { $gt: p.since } })
    .sort({ _id: 1 })
    .limit(p.limit)
    .toArray();
  return {
    heads: docs.map(({ _id, timestampPending: _pending, ...head }) => head),
  };
}
