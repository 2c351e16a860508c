import { HopTrace } from "@edoc/messages";

/**
 * The hop trace beside a packet between hubs (liên thông): the VDXP header `x-edoc-trace`,
 * base64url of the JSON HopTrace. Minimal version for the forwarder (F1); the federation
 * package's owner (F2) keeps the full one with these very names.
 */
export const TRACE_HEADER = "x-edoc-trace";

export function encodeTrace(trace: HopTrace): string {
  return Buffer.from(JSON.stringify(trace), "utf8").toString("base64url");
}

export type TraceDecode = { ok: true; trace: HopTrace } | { ok: false; message: string };

/** A header value as a HopTrace; absent/empty = no hops yet. Never throws. */
export function decodeTrace(header: string | undefined): TraceDecode {
  if (header === undefined || header === "") return { ok: true, trace: [] };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
  } catch {
    return { ok: false, message: `${TRACE_HEADER} is not base64url JSON` };
  }
  const parsed = HopTrace.safeParse(json);
  return parsed.success
    ? { ok: true, trace: parsed.data }
    : { ok: false, message: `${TRACE_HEADER}: ${parsed.error.issues[0]?.message ?? "invalid"}` };
}

/** The trace with this hub's own entry added (a new array). */
export function appendHop(trace: HopTrace, hubId: string, at: Date): HopTrace {
  return [...trace, { hub: hubId, at: at.toISOString() }];
}

export type HopCheck =
  | { ok: true }
  | { ok: false; code: "HOP_LOOP" | "HOP_LIMIT_EXCEEDED"; message: string };

/**
 * May this hub take a packet that made these hops? Not if it carried it already (a loop), nor
 * once it made `limit` hops.
 */
export function checkHops(trace: HopTrace, hubId: string, limit: number): HopCheck {
  if (trace.some((t) => t.hub === hubId)) {
    return { ok: false, code: "HOP_LOOP", message: `hub ${hubId} carried this packet already` };
  }
  if (trace.length >= limit) {
    return {
      ok: false,
      code: "HOP_LIMIT_EXCEEDED",
      message: `the packet made ${trace.length} hops; the limit is ${limit}`,
    };
  }
  return { ok: true };
}
