import { Bus, BusUnavailableError, RpcError, RpcTimeoutError } from "@edoc/bus";
import { type RpcMethod, type RpcParamsOf, type RpcResultOf, RpcResults } from "@edoc/messages";
import { CliError } from "./command.js";

/** Where the hub's broker is: options first, then EDOC_AMQP_URL / EDOC_BUS_PREFIX. */
export interface BusTarget {
  amqp?: string | undefined;
  prefix?: string | undefined;
}

/**
 * One operator's call to the running hub's archive over the bus, as a service makes it. Exit
 * 1 when the archive refused (unknown id…), 2 when the hub is unreachable or answered garbage.
 */
export async function callArchiveRpc<M extends RpcMethod>(
  target: BusTarget,
  method: M,
  params: RpcParamsOf<M>,
  timeoutMs = 30_000,
): Promise<RpcResultOf<M>> {
  const url = target.amqp ?? process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
  const prefix = target.prefix ?? process.env.EDOC_BUS_PREFIX ?? "edoc";
  let bus: Bus;
  try {
    bus = await Bus.connect({ url, prefix, initialRetries: 2 });
  } catch (err) {
    throw new CliError(`cannot reach the hub's broker: ${(err as Error).message}`, 2);
  }
  let raw: unknown;
  try {
    raw = await bus.call("archive.rpc", method, params, timeoutMs);
  } catch (err) {
    if (err instanceof RpcError) {
      throw new CliError(`${err.code}: ${err.message}`, err.status < 500 ? 1 : 2);
    }
    if (err instanceof RpcTimeoutError || err instanceof BusUnavailableError) {
      throw new CliError(`the archive did not answer (${err.message}); is the hub running?`, 2);
    }
    throw err;
  } finally {
    await bus.close();
  }
  const parsed = RpcResults[method].safeParse(raw);
  if (!parsed.success) throw new CliError(`the archive's answer is not a ${method} result`, 2);
  return parsed.data as RpcResultOf<M>;
}
