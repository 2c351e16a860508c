import { BusUnavailableError, type QueueStats, RpcError, RpcTimeoutError } from "@edoc/bus";
import {
  type ConsoleRpcMethod,
  ConsoleRpcParams,
  ConsoleRpcResults,
  type RpcMethod,
  type RpcParamsOf,
  type RpcResultOf,
  RpcResults,
  type z,
} from "@edoc/messages";

/** What the console needs of the bus: RPC to the archive and the queues' live numbers. */
export interface ConsoleBus {
  call(queue: "archive.rpc", method: string, params: unknown, timeoutMs?: number): Promise<unknown>;
  stats(): Promise<QueueStats[]>;
  readonly connected: boolean;
}

/** The archive refused or could not be asked; `status` is the HTTP status the page gets. */
export class ArchiveError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export type ParamsIn<M extends ConsoleRpcMethod> = z.input<(typeof ConsoleRpcParams)[M]>;
export type ResultOf<M extends ConsoleRpcMethod> = z.infer<(typeof ConsoleRpcResults)[M]>;

/**
 * Calls a `console.*` method on `archive.rpc`. Params are checked before they leave and the
 * result against the contract when it comes back, as the gateway does.
 */
export async function callConsole<M extends ConsoleRpcMethod>(
  bus: ConsoleBus,
  method: M,
  params: ParamsIn<M>,
  timeoutMs = 15_000,
): Promise<ResultOf<M>> {
  const checked = ConsoleRpcParams[method].safeParse(params);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ArchiveError(
      "BAD_REQUEST",
      `${issue?.path.join(".") || "yêu cầu"}: ${issue?.message ?? "không hợp lệ"}`,
      400,
    );
  }
  const raw = await ask(() => bus.call("archive.rpc", method, checked.data, timeoutMs));
  const result = ConsoleRpcResults[method].safeParse(raw);
  if (!result.success)
    throw new ArchiveError(
      "BAD_REPLY",
      `the archive's answer to ${method} breaks the contract`,
      502,
    );
  return result.data as ResultOf<M>;
}

/** The archive's own health (database, chain head), or undefined when it does not answer. */
export async function archiveHealth(
  bus: ConsoleBus,
): Promise<z.infer<(typeof RpcResults)["health"]> | undefined> {
  try {
    return RpcResults.health.parse(await bus.call("archive.rpc", "health", {}, 3_000));
  } catch {
    return undefined;
  }
}

/**
 * Calls any archive method the console uses beyond `console.*` (`evidence.export`, the same the
 * auditors' CLI uses; `maintenance.*`; `directory.history`), its answer checked against the contract.
 */
export async function callArchive<M extends RpcMethod>(
  bus: ConsoleBus,
  method: M,
  params: RpcParamsOf<M>,
  timeoutMs = 15_000,
): Promise<RpcResultOf<M>> {
  const raw = await ask(() => bus.call("archive.rpc", method, params, timeoutMs));
  const result = RpcResults[method].safeParse(raw);
  if (!result.success) {
    throw new ArchiveError(
      "BAD_REPLY",
      `the archive's answer to ${method} breaks the contract`,
      502,
    );
  }
  return result.data as RpcResultOf<M>;
}

async function ask(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RpcError) {
      if (err.status >= 500)
        throw new ArchiveError("ARCHIVE_UNAVAILABLE", `kho lưu trữ báo lỗi (${err.code})`, 503);
      throw new ArchiveError(err.code, err.message, err.status);
    }
    if (err instanceof BusUnavailableError || err instanceof RpcTimeoutError)
      throw new ArchiveError("ARCHIVE_UNAVAILABLE", err.message, 503);
    throw err;
  }
}
