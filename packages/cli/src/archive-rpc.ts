import { Bus, BusUnavailableError, RpcError, RpcTimeoutError } from "@edoc/bus";
import { type RpcMethod, type RpcParamsOf, type RpcResultOf, RpcResults } from "@edoc/messages";
import { CliError } from "./command.js";

/** Where the hub's broker is: `--amqp`, `--prefix`, else the services' environment. */
export interface BusOptions {
  amqp?: string;
  prefix?: string;
}

/** The options every operator command that talks to the archive accepts. */
export const BUS_OPTIONS = {
  amqp: { type: "string" },
  prefix: { type: "string" },
  timeout: { type: "string" },
} as const;

export function timeoutOf(raw: string | undefined, fallback: number): number {
  const ms = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new CliError("--timeout must be a positive number of milliseconds", 2);
  }
  return ms;
}

/**
 * Calls an archive RPC method over the bus, as the services do, and checks the answer against
 * the contract. The archive's refusal (4xx) is exit 1; an unreachable hub or a 5xx is exit 2.
 */
export async function callArchive<M extends RpcMethod>(
  opts: BusOptions,
  method: M,
  params: RpcParamsOf<M>,
  timeoutMs: number,
): Promise<RpcResultOf<M>> {
  const url = opts.amqp ?? process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
  const prefix = opts.prefix ?? process.env.EDOC_BUS_PREFIX ?? "edoc";
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
