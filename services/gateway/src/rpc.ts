import { type Bus, BusUnavailableError, RpcError, RpcTimeoutError } from "@edoc/bus";
import type { RpcMethod, RpcParamsOf } from "@edoc/messages";
import { ApiError } from "./errors.js";

/** Calls the archive (`bytes`: raw bytes beside the params) and turns its refusals and outages into API errors. */
export async function callArchive<M extends RpcMethod>(
  bus: Bus,
  method: M,
  params: RpcParamsOf<M>,
  timeoutMs = 10_000,
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
