import { ConfigError } from "@edoc/runtime";

/**
 * When a delivery counts as stuck (docs/operator-guide.md, "Chuyển phát tồn đọng"). The archive
 * answers `console.stuck` with instants; this turns the policy into those instants.
 */
export interface StuckPolicy {
  /** available (in the recipient's inbox) this long without being fetched */
  notFetchedMs: number;
  /** fetched this long without a transport acknowledgement */
  notAcknowledgedMs: number;
  /** urgent letters: priority → time from availability by which they must be acknowledged */
  urgentMs: Map<number, number>;
  /** end of the working day, minutes after local midnight (17:00 = 1020) */
  workdayEndMinutes: number;
  /** working days, 0 = Sunday … 6 = Saturday */
  workdays: ReadonlySet<number>;
  /** the hub's civil time: Vietnam is UTC+7 all year */
  utcOffsetMinutes: number;
  /** only deliveries made available this recently are examined */
  lookbackMs: number;
}

/** `1,2,3,4,5` or `1-5` → the set of weekdays (0 = Sunday). */
export function parseWorkdays(text: string): ReadonlySet<number> {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^\s*([0-6])\s*(?:-\s*([0-6])\s*)?$/.exec(part);
    if (!m)
      throw new ConfigError(
        `EDOC_STUCK_WORKDAYS must look like 1,2,3,4,5 or 1-5, got ${JSON.stringify(text)}`,
      );
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let d = Math.min(a, b); d <= Math.max(a, b); d++) out.add(d);
  }
  if (out.size === 0) throw new ConfigError("EDOC_STUCK_WORKDAYS names no day");
  return out;
}

/**
 * The latest end of a working day at or before `now`. A letter made available before it should
 * have had its 01 (Đã đến) or 03 (Đã tiếp nhận) by then: NĐ 30/2020 asks for a same-day
 * acknowledgement, and a letter that arrives after hours is due by the end of the next working
 * day. Public holidays are not modelled (they only make the list longer on the day after).
 */
export function lastWorkdayEnd(
  now: Date,
  p: Pick<StuckPolicy, "workdayEndMinutes" | "workdays" | "utcOffsetMinutes">,
): Date {
  const offsetMs = p.utcOffsetMinutes * 60_000;
  const local = new Date(now.getTime() + offsetMs);
  // Local midnight of today, as a UTC instant in the shifted frame.
  let day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  for (let i = 0; i < 15; i++) {
    const end = day + p.workdayEndMinutes * 60_000;
    const weekday = new Date(day).getUTCDay();
    if (p.workdays.has(weekday) && end <= local.getTime()) return new Date(end - offsetMs);
    day -= 24 * 3600_000;
  }
  // No working day in two weeks (cannot happen with a non-empty set): nothing is due.
  return new Date(day - offsetMs);
}

/** The `console.stuck` parameters for `now`. */
export function stuckParams(now: Date, p: StuckPolicy, limit = 500) {
  const iso = (ms: number) => new Date(ms).toISOString();
  const t = now.getTime();
  return {
    since: iso(t - p.lookbackMs),
    notFetchedBefore: iso(t - p.notFetchedMs),
    notAcknowledgedBefore: iso(t - p.notAcknowledgedMs),
    urgent: [...p.urgentMs.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([priority, ms]) => ({ priority, availableBefore: iso(t - ms) })),
    receptionDueBefore: lastWorkdayEnd(now, p).toISOString(),
    limit,
  };
}
