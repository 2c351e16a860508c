import { vietnamDay, vietnamParts } from "@edoc/vntime";
import { DirectoryError } from "./errors.js";

const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** A real calendar date written yyyy-mm-dd (2025-02-30 is rejected). */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/**
 * The Vietnam calendar day (UTC+07:00) of `at` as yyyy-mm-dd. Validity dates are Vietnamese
 * calendar days (a reform takes effect at 00:00 in Hà Nội, not at 07:00), compared as strings,
 * so a lookup never depends on the server's time zone.
 */
export function lookupDay(at: Date): string {
  const t = at instanceof Date ? at.getTime() : Number.NaN;
  const year = Number.isNaN(t) ? Number.NaN : vietnamParts(at).year;
  if (!(year >= 0 && year <= 9999)) {
    throw new DirectoryError("DATE_MALFORMED", "lookup date is not a valid Date in years 0–9999");
  }
  return vietnamDay(at);
}
