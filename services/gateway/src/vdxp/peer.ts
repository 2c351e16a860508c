import { appendHop, checkHops, decodeTrace, encodeTrace, TRACE_HEADER } from "@edoc/federation";
import type { RpcResultOf } from "@edoc/messages";
import type { Request } from "express";
import { ApiError } from "../errors.js";
import type { PeerOrigin } from "../submit.js";
import type { SystemCaller } from "./auth.js";

// Peer hubs at the listener (liên thông giữa các trục): a downstream hub is a system with the
// peer-hub flag. It takes the deliveries whose `hub` is its systemid, and its sendEdoc carries
// other agencies' letters with their hop trace.

export interface FederationDeps {
  /** EDOC_HUB_ID and EDOC_HOP_LIMIT (loadFederationConfig) */
  federation: { hubId: string; hopLimit: number };
}

/** The inbox RPCs' scope: the system's mailboxes, and for a peer hub the deliveries it links. */
export function scopeOf(caller: SystemCaller): { actingFor: string[]; hubs?: string[] } {
  return caller.peerHub
    ? { actingFor: caller.actingFor, hubs: [caller.systemId] }
    : { actingFor: caller.actingFor };
}

/**
 * A peer hub's sendEdoc: its trace read and checked before the body is. A loop or too many
 * hops is refused (ErrorCode 37, the native code first in ErrorDesc), nothing stored.
 */
export function peerOrigin(deps: FederationDeps, req: Request, caller: SystemCaller): PeerOrigin {
  const raw = req.headers[TRACE_HEADER];
  const decoded = decodeTrace(Array.isArray(raw) ? raw[0] : raw);
  if (!decoded.ok) throw ApiError.of(decoded.code, decoded.message);
  const trace = decoded.trace;
  const hops = checkHops(trace, deps.federation.hubId, deps.federation.hopLimit);
  if (!hops.ok) throw ApiError.of(hops.code, `${hops.code}: ${hops.message}`);
  return { fromHub: caller.systemId, trace };
}

/** `x-edoc-trace` on getEdoc/downloadEdoc: the stored hops and this hub's own entry. */
export function traceHeader(
  deps: FederationDeps,
  out: RpcResultOf<"inbox.fetch">,
): [string, string] {
  const trace = appendHop(out.trace ?? [], deps.federation.hubId, out.item.availableAt);
  return [TRACE_HEADER, encodeTrace(trace)];
}
