import { compareOrganIds, type OrganId } from "@edoc/directory";
import { DEFAULT_DEADLINE_POLICY, type DeadlinePolicy, receiptDeadline } from "@edoc/routing";

// One month of traffic, counted per agency. The rows are what the archive recorded in that
// Vietnam month (tháng, giờ Việt Nam); each event counts in the month it happened.

/** A letter the hub accepted from `from` (any business type: new, revoke, update, replace). */
export interface LetterRow {
  from: string;
  /** recipients the hub returned to the sender (trả lại: unknown, closed, not allowed) */
  returnedByHub: number;
}

/** One delivery of a letter into a recipient's inbox. */
export interface DeliveryRow {
  recipient: string;
  /** Priority 0–4 (0 when the letter had none) */
  priority: number;
  availableAt: Date;
  /** the recipient's acknowledgement (done or fail): receipt of the letter */
  acknowledgedAt?: Date;
  /** withdrawn (revoked by its sender) before it was acknowledged */
  withdrawn: boolean;
}

/** A status packet (gói tin trạng thái) sent by `from`. */
export interface StatusRow {
  from: string;
  /** normalized two-digit code */
  code: string;
  /** the answered letter's sender, when the hub knows it */
  originalSender?: string;
}

export interface MonthRows {
  letters: LetterRow[];
  deliveries: DeliveryRow[];
  statuses: StatusRow[];
}

/** Counts of one agency, one tier or the whole hub for one month. */
export interface Counts {
  /** letters sent through the hub */
  sent: number;
  /** letters delivered to its inbox */
  received: number;
  /** received and acknowledged within the legal deadline */
  onTime: number;
  /** acknowledged after the deadline, or not acknowledged and past it */
  overdue: number;
  /** not acknowledged, deadline still ahead */
  pending: number;
  /** withdrawn by the sender before acknowledgement (no receipt was due) */
  withdrawn: number;
  /** statuses it sent back (arrived, accepted, assigned, …) */
  statuses: number;
  /** its letters returned: by the hub (no such recipient) or by a recipient (status 02) */
  returned: number;
}

export const COUNT_FIELDS: readonly (keyof Counts)[] = [
  "sent",
  "received",
  "onTime",
  "overdue",
  "pending",
  "withdrawn",
  "statuses",
  "returned",
];

export type AgencyCounts = Counts & { organId: string };

export function zeroCounts(): Counts {
  return {
    sent: 0,
    received: 0,
    onTime: 0,
    overdue: 0,
    pending: 0,
    withdrawn: 0,
    statuses: 0,
    returned: 0,
  };
}

export function addCounts(into: Counts, c: Counts): void {
  for (const f of COUNT_FIELDS) into[f] += c[f];
}

/**
 * The share of deliveries acknowledged on time among those whose deadline has passed or that
 * were acknowledged (pending and withdrawn ones are not judged yet); undefined when none.
 */
export function onTimeShare(c: Counts): number | undefined {
  const judged = c.onTime + c.overdue;
  return judged === 0 ? undefined : c.onTime / judged;
}

/** Where one delivery stands against its receipt deadline (`receiptDeadline`) at `now`. */
export function deliveryOutcome(
  d: DeliveryRow,
  now: Date,
  policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY,
): "onTime" | "overdue" | "pending" | "withdrawn" {
  const due = receiptDeadline(d.availableAt, d.priority, policy).getTime();
  if (d.acknowledgedAt) return d.acknowledgedAt.getTime() <= due ? "onTime" : "overdue";
  if (d.withdrawn) return "withdrawn";
  return now.getTime() > due ? "overdue" : "pending";
}

/** Per-agency counts of one month's rows, in the directory's tree order. */
export function countByAgency(
  rows: MonthRows,
  now: Date,
  policy: DeadlinePolicy = DEFAULT_DEADLINE_POLICY,
): AgencyCounts[] {
  const by = new Map<string, Counts>();
  const of = (id: string): Counts => {
    const c = by.get(id) ?? zeroCounts();
    by.set(id, c);
    return c;
  };
  for (const l of rows.letters) {
    const c = of(l.from);
    c.sent += 1;
    c.returned += l.returnedByHub;
  }
  for (const d of rows.deliveries) {
    const c = of(d.recipient);
    c.received += 1;
    c[deliveryOutcome(d, now, policy)] += 1;
  }
  for (const s of rows.statuses) {
    of(s.from).statuses += 1;
    if (s.code === "02" && s.originalSender !== undefined) of(s.originalSender).returned += 1;
  }
  return [...by.entries()]
    .sort(([a], [b]) => compareOrganIds(a as OrganId, b as OrganId))
    .map(([organId, c]) => ({ organId, ...c }));
}
