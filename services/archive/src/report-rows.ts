import type { DeliveryRow, LetterRow, MonthRows, StatusRow } from "@edoc/reports";
import type { Collection, Document, Filter } from "mongodb";
import type { Collections, DeliveryDoc, PacketDoc } from "./collections.js";

/**
 * The rows of one month's report, read from the archive's collections: packets by `createdAt`
 * and letter deliveries by `availableAt`, each one range query with a projection (no $lookup,
 * no aggregation: FerretDB scans the table either way and returns only the month's rows). At
 * most MAX_ROWS per collection are read; past that the report says it is truncated.
 * `returned` lists the router's returns and (federation) those of peer hubs (returns.ts).
 */
export const MAX_ROWS = 200_000;

type PacketRow = Pick<
  PacketDoc,
  "_id" | "kind" | "from" | "returned" | "status" | "originalSender"
>;
type DeliveryPart = Pick<
  DeliveryDoc,
  "_id" | "recipient" | "priority" | "availableAt" | "acknowledgedAt" | "state" | "hub"
>;

/** At most `limit` rows of a range query, and whether there were more. */
async function bounded<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  projection: Record<string, 1>,
  limit: number,
): Promise<{ rows: T[]; more: boolean }> {
  const rows = (await collection
    .find(filter, { projection })
    .limit(limit + 1)
    .toArray()) as T[];
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

export async function readMonthRows(
  c: Collections,
  start: Date,
  end: Date,
  limit = MAX_ROWS,
): Promise<{ rows: MonthRows; truncated: boolean }> {
  const packets = await bounded<PacketDoc>(
    c.packets,
    { createdAt: { $gte: start, $lt: end } },
    { kind: 1, from: 1, returned: 1, status: 1, originalSender: 1 },
    limit,
  );
  const range = {
    kind: "letter" as const,
    availableAt: { $gte: start.toISOString(), $lt: end.toISOString() },
  };
  const fields = {
    recipient: 1,
    priority: 1,
    availableAt: 1,
    acknowledgedAt: 1,
    state: 1,
    hub: 1,
  } as const;
  // A delivery settled by a change interrupted before its open row was deleted is in both:
  // the settled row wins (deliveries.ts).
  const [open, settled] = await Promise.all([
    bounded<DeliveryDoc>(c.deliveries.open, range, fields, limit),
    bounded<DeliveryDoc>(c.deliveries.settled, range, fields, limit),
  ]);
  const byId = new Map<string, DeliveryPart>();
  for (const d of [...open.rows, ...settled.rows]) byId.set(d._id, d);
  return {
    rows: {
      letters: (packets.rows as PacketRow[]).filter((p) => p.kind === "letter").map(letterRow),
      statuses: (packets.rows as PacketRow[]).filter((p) => p.kind === "status").map(statusRow),
      // A peer hub's refusal is a return (its letter's `returned`), not a receipt: not twice.
      deliveries: [...byId.values()].filter((d) => !peerReturned(d)).map(deliveryRow),
    },
    truncated: packets.more || open.more || settled.more,
  };
}

const peerReturned = (d: DeliveryPart): boolean => d.hub !== undefined && d.state === "failed";

function letterRow(p: PacketRow): LetterRow {
  return { from: p.from, returnedByHub: p.returned?.length ?? 0 };
}

function statusRow(p: PacketRow): StatusRow {
  return {
    from: p.from,
    code: p.status?.code ?? "",
    ...(p.originalSender !== undefined ? { originalSender: p.originalSender } : {}),
  };
}

function deliveryRow(d: DeliveryPart): DeliveryRow {
  return {
    recipient: d.recipient,
    priority: d.priority ?? 0,
    availableAt: new Date(d.availableAt),
    ...(d.acknowledgedAt !== undefined ? { acknowledgedAt: new Date(d.acknowledgedAt) } : {}),
    withdrawn: d.state === "withdrawn",
  };
}
