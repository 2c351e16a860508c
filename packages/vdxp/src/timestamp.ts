import { parseEdxmlTime, vietnamParts } from "@edoc/vntime";

/**
 * `XroadVnpt-timestamp`: `ddMMyyyy'T'HHmmss` in Vietnam local time, then `+` and four digits
 * that are NOT a time zone (the SDK's sub-second digits), e.g. `04122026T160022+0211`.
 */
const TIMESTAMP = /^(\d{2})(\d{2})(\d{4})T(\d{2})(\d{2})(\d{2})(?:\+(\d{4}))?$/;

const p2 = (n: number): string => String(n).padStart(2, "0");

/** The instant a timestamp names, read as Vietnam time; undefined when it is not one. */
export function parseTimestamp(raw: string): Date | undefined {
  const m = TIMESTAMP.exec(raw.trim());
  if (!m) return undefined;
  const [dd, MM, yyyy, HH, mm, ss] = m.slice(1, 7);
  // The same wall-clock reading as edXML's zone-less times (impossible dates refused there).
  return parseEdxmlTime(`${yyyy}/${MM}/${dd} ${HH}:${mm}:${ss}`);
}

/** `at` as the SDK writes it, Vietnam time; the four trailing digits are milliseconds. */
export function formatTimestamp(at: Date): string {
  const v = vietnamParts(at);
  const ms = String(at.getTime() % 1000).padStart(4, "0");
  return `${p2(v.day)}${p2(v.month)}${v.year}T${p2(v.hour)}${p2(v.minute)}${p2(v.second)}+${ms}`;
}

/** Whether a request's timestamp is within `windowMs` of `now` either way (replay window). */
export function withinWindow(at: Date, now: Date, windowMs: number): boolean {
  return Math.abs(now.getTime() - at.getTime()) <= windowMs;
}
