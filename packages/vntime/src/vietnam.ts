// Vietnam time (giờ Việt Nam, UTC+07:00, no daylight saving). edXML writes dates and times with
// no zone, and the official edXML library reads them as the reader's local time, which for every
// agency system is Vietnam time: the hub writes and reads them as such, whatever the server's zone.

export const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/** Wall-clock fields of an instant in Vietnam; weekday 0 = Sunday … 6 = Saturday. */
export interface VietnamParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

export function vietnamParts(at: Date): VietnamParts {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError("vietnamParts: invalid Date");
  const local = new Date(t + VIETNAM_OFFSET_MS);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay(),
  };
}

const p2 = (n: number): string => String(n).padStart(2, "0");
const p4 = (n: number): string => String(n).padStart(4, "0");

/** The Vietnam calendar day of `at`, `yyyy-mm-dd` (directory validity dates, reports). */
export function vietnamDay(at: Date): string {
  const v = vietnamParts(at);
  return `${p4(v.year)}-${p2(v.month)}-${p2(v.day)}`;
}

/** The Vietnam month of `at`, `yyyy-mm`. */
export function vietnamMonth(at: Date): string {
  const v = vietnamParts(at);
  return `${p4(v.year)}-${p2(v.month)}`;
}

/** edXML date `yyyy/MM/dd` in Vietnam time (PromulgationDate, DocumentId dates). */
export function edxmlDate(at: Date): string {
  const v = vietnamParts(at);
  return `${p4(v.year)}/${p2(v.month)}/${p2(v.day)}`;
}

/** edXML timestamp `yyyy/MM/dd HH:mm:ss` in Vietnam time (status Timestamp, TraceHeader). */
export function edxmlTimestamp(at: Date): string {
  const v = vietnamParts(at);
  return `${edxmlDate(at)} ${p2(v.hour)}:${p2(v.minute)}:${p2(v.second)}`;
}

const EDXML_TIME = /^([0-9]{4})\/([0-9]{2})\/([0-9]{2})(?: ([0-9]{2}):([0-9]{2}):([0-9]{2}))?$/;

/**
 * Reads an edXML `yyyy/MM/dd HH:mm:ss` (or `yyyy/MM/dd`, as midnight) as Vietnam time.
 * Returns undefined for text of another shape or an impossible date (2014/02/30).
 */
export function parseEdxmlTime(text: string): Date | undefined {
  const m = EDXML_TIME.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    return undefined;
  }
  return new Date(utc - VIETNAM_OFFSET_MS);
}

/** The instant a Vietnam calendar day `yyyy-mm-dd` begins (00:00 +07:00). */
export function startOfVietnamDay(day: string): Date {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(day);
  if (!m) throw new RangeError(`startOfVietnamDay: not yyyy-mm-dd: ${JSON.stringify(day)}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - VIETNAM_OFFSET_MS);
}
