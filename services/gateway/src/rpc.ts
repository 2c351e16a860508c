import { type Bus, BusUnavailableError, RpcBytes, RpcError, RpcTimeoutError } from "@edoc/bus";
import { type RpcMethod, type RpcParamsOf, type RpcResultOf, RpcResults } from "@edoc/messages";
import { ApiError } from "./errors.js";

/**
 * Calls the archive (`bytes`: raw bytes beside the params) and returns its answer checked
 * against the method's result schema; its refusals and outages become API errors.
 */
export async function callArchive<M extends RpcMethod>(
  bus: Bus,
  method: M,
  params: RpcParamsOf<M>,
  timeoutMs = 10_000,
  bytes?: Buffer,
): Promise<RpcResultOf<M>> {
  const answer = await ask(bus, method, params, timeoutMs, bytes);
  return RpcResults[method].parse(answer) as RpcResultOf<M>;
}

/** The same, for a method that answers raw bytes beside its JSON (`inbox.fetchChunk`). */
export async function callArchiveForBytes<M extends RpcMethod>(
  bus: Bus,
  method: M,
  params: RpcParamsOf<M>,
  timeoutMs = 10_000,
): Promise<{ value: RpcResultOf<M>; bytes: Buffer }> {
  const answer = await ask(bus, method, params, timeoutMs);
  if (!(answer instanceof RpcBytes)) throw new Error(`${method} answered no bytes`);
  return { value: RpcResults[method].parse(answer.value) as RpcResultOf<M>, bytes: answer.bytes };
}

async function ask<M extends RpcMethod>(
  bus: Bus,
  method: M,
  params: RpcParamsOf<M>,
  timeoutMs: number,
  bytes?: Buffer,
): Promise<unknown> {
  try {
    return await bus.call("archive.rpc", method, params, timeoutMs, bytes);
  } catch (err) {
    if (err instanceof RpcError) {
      if (err.status >= 500)
        throw ApiError.of("HUB_UNAVAILABLE", "the hub's archive is unavailable; retry later");
      throw new ApiError(err.code, err.message, err.status, err.details);
    }
    if (err instanceof BusUnavailableError || err instanceof RpcTimeoutError) {
      throw ApiError.of(
        "HUB_UNAVAILABLE",
        `the hub cannot take this now (${err.message}); retry later`,
      );
    }
    throw err;
  }
}
