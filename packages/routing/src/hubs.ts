import { type Directory, type OrganId, type Resolution, UPSTREAM_HUB } from "@edoc/directory";
import type { Returned } from "./plan.js";

/** A peer hub's id: a VDXP systemid, or `upstream` (@edoc/messages' HubId, kept I/O-free here). */
export type HubId = string;

/** Where this hub sits in a federation, as routing needs it. */
export interface RouteOptions {
  /** this hub has an upstream: what it does not know goes there */
  upstream: boolean;
  /** the peer hub the packet came from: never routed back there */
  fromHub?: HubId;
}

/**
 * The hub that serves a resolved agency: its directory entry's `hub` (also for a closed one,
 * whose letters still travel where its records are kept); an unknown agency is the upstream's
 * when there is one; undefined = this hub.
 */
export function hubOf(r: Resolution, options: RouteOptions): HubId | undefined {
  if (r.status === "unknown") return options.upstream ? UPSTREAM_HUB : undefined;
  return r.agency.hub;
}

/** One target of a status packet: the agency, and the hub that takes it (absent = here). */
export interface StatusTarget {
  recipient: OrganId;
  hub?: HubId;
}

export interface StatusInput {
  code: string;
  /** the letter's sender, the target of every status but 13 */
  originalSender: OrganId;
  /** the letter's recipients, the targets of a take-back request (13) */
  originalRecipients: readonly OrganId[];
}

/**
 * Where a status goes (trạng thái đi theo văn bản): a take-back request (13) from the original
 * sender to the recipients, every other status back to the original sender. A target served by
 * a peer hub (or unknown here, with an upstream) is delivered to that hub, along the path the
 * letter came; one served by the hub the status came from is a loop, returned with HOP_LOOP.
 */
export function planStatusTargets(
  status: StatusInput,
  directory: Directory,
  at: Date,
  options: RouteOptions = { upstream: false },
): { targets: StatusTarget[]; returned: Returned[] } {
  const ids =
    status.code === "13" ? [...new Set(status.originalRecipients)] : [status.originalSender];
  const targets: StatusTarget[] = [];
  const returned: Returned[] = [];
  for (const id of ids) {
    const hub = hubOf(directory.resolve(id, at), options);
    if (hub !== undefined && hub === options.fromHub) {
      returned.push({
        addressedTo: id,
        reason: "HOP_LOOP",
        message: `${id} is served by hub ${hub}, where this status came from`,
      });
    } else targets.push(hub === undefined ? { recipient: id } : { recipient: id, hub });
  }
  return { targets, returned };
}
