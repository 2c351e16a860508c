import { VIETNAM_OFFSET_MS, vietnamParts } from "@edoc/vntime";

// The receiving agency's legal duty (NĐ 30/2020/NĐ-CP, QĐ 28/2018/QĐ-TTg): acknowledge receipt of
// an e-document the same (working) day; urgent ones at once. The hub measures it from the moment
// a delivery became available in the recipient's inbox to its acknowledgement (done/fail).

/** Deadline rules; the defaults are the hub's documented reading of the law. */
export interface DeadlinePolicy {
  /** Letters with Priority ≥ 1 (khẩn, thượng khẩn, hỏa tốc): minutes from availability. */
  urgentMinutes: number;
  /** Office hours end at this Vietnam hour; a normal letter arriving later is due the next working day. */
  officeEndHour: number;
}

export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = { urgentMinutes: 120, officeEndHour: 17 };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When a delivery must be acknowledged. Normal letters: by the end (24:00 Vietnam time) of the
 * working day they arrive on; one arriving after office hours, on a Saturday or a Sunday, by the
 * end of the next working day (Monday–Friday; public holidays are not modelled). Urgent letters:
 * `urgentMinutes` after arrival, any day.
 */
export function receiptDeadline(
  availableAt: Date,
  priority: number,
  policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY,
): Date {
  if (priority >= 1) return new Date(availableAt.getTime() + policy.urgentMinutes * 60_000);
  const v = vietnamParts(availableAt);
  const midnight = Date.UTC(v.year, v.month - 1, v.day) - VIETNAM_OFFSET_MS;
  let day = v.hour >= policy.officeEndHour ? 1 : 0;
  let weekday = (v.weekday + day) % 7;
  while (weekday === 0 || weekday === 6) {
    day += 1;
    weekday = (weekday + 1) % 7;
  }
  return new Date(midnight + (day + 1) * DAY_MS);
}

/** Whether a delivery that became available at `availableAt` was (or is, at `now`) late. */
export function isOverdue(
  availableAt: Date,
  priority: number,
  acknowledgedAt: Date | undefined,
  now: Date,
  policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY,
): boolean {
  const due = receiptDeadline(availableAt, priority, policy).getTime();
  return (acknowledgedAt ?? now).getTime() > due;
}
