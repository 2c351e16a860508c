import { startOfVietnamDay } from "@edoc/vntime";

const MONTH = /^([0-9]{4})-(0[1-9]|1[0-2])$/;

export class ReportError extends Error {
  constructor(
    readonly code: "REPORT_BAD_MONTH",
    message: string,
  ) {
    super(message);
  }
}

/** Whether `text` is a month `yyyy-mm` (the form `vietnamMonth` writes). */
export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

/** The instants a Vietnam month `yyyy-mm` starts (inclusive) and ends (exclusive). */
export function monthBounds(month: string): { start: Date; end: Date } {
  const m = MONTH.exec(month);
  if (!m)
    throw new ReportError("REPORT_BAD_MONTH", `not a month yyyy-mm: ${JSON.stringify(month)}`);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  const next = mon === 12 ? `${year + 1}-01` : `${year}-${String(mon + 1).padStart(2, "0")}`;
  return { start: startOfVietnamDay(`${month}-01`), end: startOfVietnamDay(`${next}-01`) };
}
