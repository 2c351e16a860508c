import type { BusinessDocType, Priority, StatusCode } from "./types.js";

export interface Problem {
  rule: string;
  message: string;
}

const DATE = /^(\d{4})\/(\d{2})\/(\d{2})$/;
const TIMESTAMP = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate(); // day 0 of next month = last day
  return d <= days;
}

/**
 * Date fields (PromulgationDate, DueDate) must be real calendar days: the hub files and routes by
 * them. The SDK's "2014/02/30" sits inside a DocumentId, which is an opaque identifier and is
 * never read as a date.
 */
export function dateProblem(value: string): Problem | undefined {
  const m = DATE.exec(value);
  if (!m)
    return { rule: "date-format", message: `must be yyyy/MM/dd, got ${JSON.stringify(value)}` };
  if (!isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    return { rule: "date-calendar", message: `${value} is not a calendar date` };
  }
  return undefined;
}

export function timestampProblem(value: string): Problem | undefined {
  const m = TIMESTAMP.exec(value);
  if (!m) {
    return {
      rule: "date-format",
      message: `must be yyyy/MM/dd HH:mm:ss, got ${JSON.stringify(value)}`,
    };
  }
  const ok =
    isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4]) <= 23 &&
    Number(m[5]) <= 59 &&
    Number(m[6]) <= 59;
  return ok ? undefined : { rule: "date-calendar", message: `${value} is not a real time` };
}

const STATUS_CODES: readonly StatusCode[] = [
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "07",
  "08",
  "09",
  "10",
  "11",
  "12",
  "13",
  "14",
  "15",
  "16",
];

/** "1" and "01" are the same code; anything outside 01..16 is not a status. */
export function toStatusCode(value: string): StatusCode | undefined {
  if (!/^\d{1,2}$/.test(value)) return undefined;
  const padded = value.padStart(2, "0");
  return STATUS_CODES.find((c) => c === padded);
}

const DOC_TYPES: readonly BusinessDocType[] = ["new", "revoke", "update", "replace"];

export function toBusinessDocType(value: string): BusinessDocType | undefined {
  return /^\d$/.test(value) ? DOC_TYPES[Number(value)] : undefined;
}

export function businessDocTypeCode(t: BusinessDocType): string {
  return String(DOC_TYPES.indexOf(t));
}

export function toPriority(value: string): Priority | undefined {
  if (!/^\d$/.test(value)) return undefined;
  const n = Number(value);
  return n === 0 || n === 1 || n === 2 || n === 3 || n === 4 ? n : undefined;
}

export function toBoolean(value: string): boolean | undefined {
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  return undefined;
}

/** A non-negative decimal integer, as amounts are written. */
export function toCount(value: string): number | undefined {
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}
