import type { OrganId } from "@edoc/directory";
import type { SystemAuth } from "@edoc/messages";
import {
  headerName,
  openSecret,
  PARAM,
  parseTimestamp,
  readSignedRequest,
  verifyHash,
  withinWindow,
} from "@edoc/vdxp";
import type { Request } from "express";
import { peerOrganId } from "../auth.js";
import { VdxpRefusal } from "./refusal.js";
import type { SystemCache } from "./systems.js";

export interface VdxpAuthDeps {
  systems: SystemCache;
  /** AES-256-GCM key the secrets are sealed with */
  systemsKey: Buffer;
  /** accepted distance between the request's timestamp and the hub's clock */
  timestampWindowMs: number;
}

/** An authenticated agency system. */
export interface SystemCaller {
  systemId: string;
  /** the OrganIds whose mailboxes it holds */
  actingFor: OrganId[];
  /** a downstream hub: it also takes the deliveries whose `hub` is its systemid */
  peerHub: boolean;
}

/** A request's header by full name, or undefined when absent or empty. */
function header(req: Request, full: string): string | undefined {
  const v = req.headers[full.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === "" ? undefined : s;
}

/** A protocol parameter by name without prefix (`docId` → `XroadVnpt-docId`). */
export function param(req: Request, name: string): string | undefined {
  return header(req, headerName(name));
}

/**
 * The protocol's authentication: the signed headers, the timestamp window, the system (known,
 * enabled), the HMAC with its secret (timing-safe) and, when the system requires it, a client
 * certificate the hub trusts bound to one of its OrganIds. Each failure is its own code.
 */
export async function authenticateSystem(req: Request, deps: VdxpAuthDeps): Promise<SystemCaller> {
  const signed = readSignedRequest((full) => header(req, full));
  if (!signed.ok) throw new VdxpRefusal("AUTH_MISSING", signed.reason);
  const systemId = signed.signed.get(PARAM.systemid.toLowerCase()) ?? "";
  const at = parseTimestamp(signed.signed.get(PARAM.timestamp.toLowerCase()) ?? "");
  if (!at) {
    throw new VdxpRefusal("AUTH_MISSING", "XroadVnpt-timestamp must read ddMMyyyyTHHmmss+NNNN");
  }
  if (!withinWindow(at, new Date(), deps.timestampWindowMs)) {
    throw new VdxpRefusal(
      "TIMESTAMP_STALE",
      `XroadVnpt-timestamp is more than ${Math.round(deps.timestampWindowMs / 1000)} s from the hub's clock (Vietnam time)`,
    );
  }
  const system = await deps.systems.get(systemId);
  if (!system) throw new VdxpRefusal("SYSTEM_UNKNOWN", `no system ${JSON.stringify(systemId)}`);
  if (!system.enabled) throw new VdxpRefusal("SYSTEM_DISABLED", `system ${systemId} is disabled`);
  const secret = openSecret(deps.systemsKey, system.systemId, system.sealedSecret);
  if (secret === undefined) {
    // The hub's key file does not open it: the operator's problem, not the caller's.
    throw new Error(`the secret of system ${systemId} cannot be opened with this systems key`);
  }
  if (!verifyHash(secret, signed.text, signed.hash)) {
    throw new VdxpRefusal("AUTH_INVALID", "XroadVnpt-hash-header does not match");
  }
  if (system.requireMtls) checkClientCertificate(req, system);
  return { systemId, actingFor: system.organIds as OrganId[], peerHub: system.peerHub === true };
}

function checkClientCertificate(req: Request, system: SystemAuth): void {
  const organId = peerOrganId(req);
  if (!organId) {
    throw new VdxpRefusal(
      "CLIENT_CERT_REQUIRED",
      `system ${system.systemId} must present a client certificate the hub trusts`,
    );
  }
  if (!system.organIds.includes(organId)) {
    throw new VdxpRefusal(
      "CLIENT_CERT_REQUIRED",
      `the client certificate is bound to ${organId}, not to an agency of system ${system.systemId}`,
    );
  }
}
