import { Bus, BusUnavailableError, RpcError, RpcTimeoutError } from "@edoc/bus";
import { CliError } from "./command.js";

/** Where the hub's broker is: `--amqp` / `--prefix`, else the services' own variables. */
export interface BrokerOptions {
  amqp?: string | undefined;
  prefix?: string | undefined;
}

/**
 * One archive RPC from the command line, over the bus like a service (operators' commands:
 * evidence export, reports). Exit 1 when the archive refused, 2 when it could not be asked.
 */
export async function callArchive(
  o: BrokerOptions,
  method: string,
  params: unknown,
  timeoutMs: number,
): Promise<unknown> {
  const url = o.amqp ?? process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
  const prefix = o.prefix ?? process.env.EDOC_BUS_PREFIX ?? "edoc";
  let bus: Bus;
  try {
    bus = await Bus.connect({ url, prefix, initialRetries: 2 });
  } catch (err) {
    throw new CliError(`cannot reach the hub's broker: ${(err as Error).message}`, 2);
  }
  try {
    return await bus.call("archive.rpc", method, params, timeoutMs);
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
}

/** `--timeout MS`: a positive integer, or the default. */
export function timeoutOf(text: string | undefined, fallback: number): number {
  const ms = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new CliError(`--timeout must be a positive number of milliseconds`, 2);
  }
  return ms;
}
