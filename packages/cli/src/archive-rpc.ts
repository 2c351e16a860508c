import { Bus, BusUnavailableError, RpcError, RpcTimeoutError } from "@edoc/bus";
import { type RpcMethod, type RpcParamsOf, type RpcResultOf, RpcResults } from "@edoc/messages";
import { CliError, UsageError } from "./command.js";

/** Where the hub's broker is: `--amqp` / `--prefix`, else the services' own environment. */
export interface HubAddress {
  amqp?: string | undefined;
  prefix?: string | undefined;
}

/**
 * Calls an operator's method of the running hub's archive (over the bus, like a service) and
 * returns its checked answer. Exit codes as CliErrors: 1 the archive refused, 2 the hub is
 * unreachable or answered nonsense.
 */
export async function callHubArchive<M extends RpcMethod>(
  at: HubAddress,
  method: M,
  params: RpcParamsOf<M>,
  timeoutMs: number,
): Promise<RpcResultOf<M>> {
  const url = at.amqp ?? process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
  const prefix = at.prefix ?? process.env.EDOC_BUS_PREFIX ?? "edoc";
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

/** The options of every command that talks to the archive (`--amqp`, `--prefix`, `--timeout`). */
export const BUS_OPTIONS = {
  amqp: { type: "string" },
  prefix: { type: "string" },
  timeout: { type: "string" },
} as const;

/** `--timeout MS`, or the command's default; anything but a positive integer is a usage error. */
export function timeoutOf(raw: string | undefined, fallback: number): number {
  const ms = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new UsageError("--timeout must be a positive number of milliseconds");
  }
  return ms;
}
