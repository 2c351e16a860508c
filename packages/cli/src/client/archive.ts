import { Bus, BusUnavailableError, RpcError, RpcTimeoutError } from "@edoc/bus";
import { type RpcMethod, type RpcResultOf, RpcResults } from "@edoc/messages";
import { CliError } from "../command.js";

/** The options of every command that asks the hub's archive over the bus, as an operator. */
export const archiveOptions = {
  amqp: { type: "string" },
  prefix: { type: "string" },
  timeout: { type: "string" },
} as const;

export interface ArchiveTarget {
  amqp?: string | undefined;
  prefix?: string | undefined;
  timeout?: string | undefined;
}

/**
 * Calls an archive RPC method like a service does (broker from --amqp / EDOC_AMQP_URL, queue
 * prefix from --prefix / EDOC_BUS_PREFIX) and checks the answer against the contract. A
 * refusal exits 1 (the archive said no) or 2 (a server error); an unreachable hub exits 2.
 */
export async function callArchive<M extends RpcMethod>(
  target: ArchiveTarget,
  method: M,
  params: unknown,
  defaultTimeoutMs = 30_000,
): Promise<RpcResultOf<M>> {
  const timeoutMs = target.timeout === undefined ? defaultTimeoutMs : Number(target.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new CliError(`--timeout must be a positive number of milliseconds`, 2);
  }
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
