import { VIETNAM_OFFSET_MS } from "@edoc/vntime";

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
  const [day, month, year, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  // Date.UTC rolls 31/02 over into March: such a timestamp is malformed, not a date.
  if (
    check.getUTCDate() !== day ||
    check.getUTCMonth() !== month - 1 ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  return new Date(utc - VIETNAM_OFFSET_MS);
}

/** `at` as the SDK writes it, Vietnam time; the four trailing digits are milliseconds. */
export function formatTimestamp(at: Date): string {
  const v = new Date(at.getTime() + VIETNAM_OFFSET_MS);
  const date = `${p2(v.getUTCDate())}${p2(v.getUTCMonth() + 1)}${v.getUTCFullYear()}`;
  const time = `${p2(v.getUTCHours())}${p2(v.getUTCMinutes())}${p2(v.getUTCSeconds())}`;
  return `${date}T${time}+${String(v.getUTCMilliseconds()).padStart(4, "0")}`;
}

/** Whether a request's timestamp is within `windowMs` of `now` either way (replay window). */
export function withinWindow(at: Date, now: Date, windowMs: number): boolean {
  return Math.abs(now.getTime() - at.getTime()) <= windowMs;
}
