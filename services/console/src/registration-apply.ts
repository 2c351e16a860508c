import { BusUnavailableError, RpcError, RpcTimeoutError } from "@edoc/bus";
import { TIERS, type Tier } from "@edoc/directory";
import type { Registration } from "@edoc/messages";
import { vietnamDay } from "@edoc/vntime";
import { ArchiveError, type ConsoleBus } from "./archive-client.js";

/** What an approval did to the directory. */
export interface Applied {
  applied: boolean;
  note: string;
}

/**
 * Applies an approved registration request to the live directory (archive RPC
 * `directory.change`): registerAgency adds the agency from today (Vietnam day) with the tier the
 * operator chose, deleteAgency closes it from today. A change the directory refuses (an unknown
 * parent…) is an ArchiveError: the request stays pending. A hub whose archive has no
 * `directory.change` (the directory is a file) answers RPC_UNKNOWN_METHOD: the approval is then
 * recorded as not applied, with what to do by hand. The method is called by name, not through
 * the typed contract, so this works both before and after the live directory is deployed.
 */
export async function applyRegistration(
  bus: ConsoleBus,
  r: Registration,
  tierText: string,
  actor: string,
  now: Date,
): Promise<Applied> {
  const change = changeOf(r, tierText, now);
  let raw: unknown;
  try {
    raw = await bus.call("archive.rpc", "directory.change", { change, actor }, 15_000);
  } catch (err) {
    if (err instanceof RpcError && err.code === "RPC_UNKNOWN_METHOD") {
      return {
        applied: false,
        note: "this hub's directory is a file (no directory.change): apply the change to it by hand",
      };
    }
    if (err instanceof RpcError && err.status < 500) {
      throw new ArchiveError(err.code, `danh bạ từ chối thay đổi: ${err.message}`, err.status);
    }
    if (
      err instanceof RpcError ||
      err instanceof BusUnavailableError ||
      err instanceof RpcTimeoutError
    ) {
      throw new ArchiveError("ARCHIVE_UNAVAILABLE", (err as Error).message, 503);
    }
    throw err;
  }
  const version = (raw as { version?: unknown } | null)?.version;
  return { applied: true, note: `directory version ${String(version ?? "?")}` };
}

function changeOf(r: Registration, tierText: string, now: Date): unknown {
  const today = vietnamDay(now);
  if (r.kind === "delete") return { op: "close", id: r.code, validTo: today };
  const tier = TIERS.find((t): t is Tier => t === tierText);
  if (!tier) throw new ArchiveError("TIER_REQUIRED", "chọn cấp của cơ quan trước khi duyệt", 400);
  return {
    op: "add",
    agency: {
      id: r.code,
      name: r.name ?? r.code,
      tier,
      ...(r.parentCode ? { parent: r.parentCode } : {}),
      validFrom: today,
      ...(r.mail ? { email: r.mail } : {}),
    },
  };
}
