import { TIERS, type Tier } from "@edoc/directory";
import type { DirectoryChange, Registration } from "@edoc/messages";
import { vietnamDay } from "@edoc/vntime";
import { ArchiveError, type ConsoleBus, callArchive } from "./archive-client.js";

/** What an approval did to the directory. */
export interface Applied {
  applied: boolean;
  note: string;
}

/**
 * Applies an approved registration request to the live directory (archive RPC
 * `directory.change`): registerAgency adds the agency from today (Vietnam day) with the tier the
 * operator chose, deleteAgency closes it from today. A change the directory refuses (an unknown
 * parent…) is an ArchiveError: the request stays pending.
 */
export async function applyRegistration(
  bus: ConsoleBus,
  r: Registration,
  tierText: string,
  actor: string,
  now: Date,
): Promise<Applied> {
  const change = changeOf(r, tierText, now);
  const result = await callArchive(bus, "directory.change", { change, actor });
  return { applied: true, note: `directory version ${result.version}` };
}

function changeOf(r: Registration, tierText: string, now: Date): DirectoryChange {
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
