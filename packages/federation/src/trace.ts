import { HopTrace, type HubId } from "@edoc/messages";

/**
 * The hop trace beside a packet (VDXP header `x-edoc-trace`): base64url of the JSON HopTrace.
 * It rides beside the signed bytes because the sender's signature covers the whole edXML:
 * a hub may not write its TraceHeader into the packet (vết chuyển tiếp).
 */
export const TRACE_HEADER = "x-edoc-trace";

/** The longest header accepted: 32 entries of a 64-character id and a time fit well inside. */
const MAX_HEADER = 8192;

export function encodeTrace(trace: HopTrace): string {
  return Buffer.from(JSON.stringify(HopTrace.parse(trace)), "utf8").toString("base64url");
}

/** A decoded header, or why it is not a trace (refused, never guessed at). Never throws. */
export type TraceDecode =
  | { ok: true; trace: HopTrace }
  | { ok: false; code: "TRACE_INVALID"; message: string };

const invalid = (message: string): TraceDecode => ({ ok: false, code: "TRACE_INVALID", message });

/** An absent or empty header is an empty trace (the packet's first hop). */
export function decodeTrace(header: string | undefined): TraceDecode {
  if (header === undefined || header === "") return { ok: true, trace: [] };
  if (header.length > MAX_HEADER || !/^[A-Za-z0-9_-]+$/.test(header)) {
    return invalid(`${TRACE_HEADER} is not base64url (or longer than ${MAX_HEADER})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
  } catch {
    return invalid(`${TRACE_HEADER} is not base64url JSON`);
  }
  const parsed = HopTrace.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(
      `${TRACE_HEADER}: ${issue?.path.join(".") || "trace"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return { ok: true, trace: parsed.data };
}

/** The trace as the next hub sees it: this hub's entry appended (never in place). */
export function appendHop(trace: HopTrace, hubId: HubId, at: Date | string): HopTrace {
  const iso = typeof at === "string" ? at : at.toISOString();
  return [...trace, { hub: hubId, at: iso }];
}

export type HopCheck = { ok: true } | { ok: false; code: HopRefusal; message: string };
export type HopRefusal = "HOP_LOOP" | "HOP_LIMIT_EXCEEDED";

/**
 * Before a hub takes a packet from a peer: it never carries a packet twice (its own id already
 * in the trace is a loop), and never one that made `limit` hops already.
 */
export function checkHops(trace: HopTrace, hubId: HubId, limit: number): HopCheck {
  if (trace.some((e) => e.hub === hubId)) {
    const path = trace.map((e) => e.hub).join(" → ");
    return { ok: false, code: "HOP_LOOP", message: `hub ${hubId} already carried it (${path})` };
  }
  if (trace.length >= limit) {
    return {
      ok: false,
      code: "HOP_LIMIT_EXCEEDED",
      message: `it made ${trace.length} hops; the limit is ${limit}`,
    };
  }
  return { ok: true };
}
