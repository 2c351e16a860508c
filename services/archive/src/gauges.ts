import { WORK_QUEUES } from "@edoc/bus";
import { type DeadlinePolicy, isOverdue } from "@edoc/routing";
import { Gauge, type Registry } from "prom-client";
import type { Ctx } from "./context.js";

/**
 * The hub's state as Prometheus gauges, computed from the database and the broker every
 * `refreshMs` (not per scrape: a scrape reads the last values). Every archive instance computes
 * the same values from the same database and queues, so alert rules aggregate with max(), never
 * sum() (docs/operations.md). Alert rules: infra/prometheus/alerts.yml.
 */
export interface HubGauges {
  refresh(now?: Date): Promise<void>;
}

export function hubGauges(ctx: Ctx, registry: Registry, policy: DeadlinePolicy): HubGauges {
  const g = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const overdue = g(
    "edoc_deliveries_overdue",
    "Letters not acknowledged by their legal receipt deadline (same working day; urgent ones within the urgent window), by recipient and priority",
    ["agency", "priority"],
  );
  const open = g(
    "edoc_deliveries_unacknowledged",
    "Deliveries available or fetched, not yet acknowledged, by recipient",
    ["agency"],
  );
  const oldest = g(
    "edoc_oldest_unacknowledged_delivery_seconds",
    "Age of the oldest unacknowledged delivery, by recipient",
    ["agency"],
  );
  const dead = g(
    "edoc_dead_letters_open",
    "Dead-lettered messages not re-driven yet, by the queue they died on",
    ["origin"],
  );
  const depth = g("edoc_queue_messages", "Messages ready in each hub queue", ["queue"]);
  const consumers = g("edoc_queue_consumers", "Consumers of each hub queue", ["queue"]);
  const awaitingTimestamp = g(
    "edoc_chain_heads_awaiting_timestamp",
    "Signed chain heads the configured TSA has not timestamped yet (retried every chain-head tick)",
  );
  const refreshed = g(
    "edoc_archive_gauges_refreshed_timestamp_seconds",
    "When the archive last computed these gauges (Unix time)",
  );

  return {
    async refresh(now = new Date()) {
      // Compute everything first, then swap: a scrape never sees a half-filled set.
      const rows = await ctx.c.deliveries.open
        .find(
          { state: { $in: ["available", "fetched"] } },
          { projection: { recipient: 1, priority: 1, availableAt: 1, kind: 1, hub: 1 } },
        )
        .toArray();
      const late = new Map<string, { agency: string; priority: string; n: number }>();
      const perAgency = new Map<string, { n: number; oldestMs: number }>();
      for (const d of rows) {
        const availableAt = new Date(d.availableAt);
        // A peer hub's delivery waits for that hub's link, not for the agency (federation):
        // counted under `hub:<id>`, and its legal deadline runs at the far hub, not here.
        const who = d.hub === undefined ? d.recipient : `hub:${d.hub}`;
        const a = perAgency.get(who) ?? { n: 0, oldestMs: Number.POSITIVE_INFINITY };
        a.n += 1;
        a.oldestMs = Math.min(a.oldestMs, availableAt.getTime());
        perAgency.set(who, a);
        // The legal deadline is about letters (văn bản đến); statuses have none.
        if (d.kind !== "letter" || d.hub !== undefined) continue;
        const priority = d.priority ?? 0;
        if (!isOverdue(availableAt, priority, undefined, now, policy)) continue;
        const key = `${d.recipient}|${priority}`;
        const entry = late.get(key) ?? { agency: d.recipient, priority: String(priority), n: 0 };
        entry.n += 1;
        late.set(key, entry);
      }
      const deadRows = await ctx.c.deadLetters
        .find({ redrivenAt: { $exists: false } }, { projection: { originQueue: 1 } })
        .toArray();
      const deadBy = new Map<string, number>();
      for (const r of deadRows) {
        // The bus names the queue unprefixed; the broker's own dead-lettering, prefixed.
        const origin =
          WORK_QUEUES.find((q) => r.originQueue === q || r.originQueue.endsWith(`.${q}`)) ??
          "other";
        deadBy.set(origin, (deadBy.get(origin) ?? 0) + 1);
      }
      const queues = await ctx.bus.stats();
      const awaiting = await ctx.c.chainHeads.countDocuments({ timestampPending: true });

      overdue.reset();
      for (const e of late.values()) overdue.set({ agency: e.agency, priority: e.priority }, e.n);
      open.reset();
      oldest.reset();
      for (const [agency, a] of perAgency) {
        open.set({ agency }, a.n);
        oldest.set({ agency }, Math.max(0, (now.getTime() - a.oldestMs) / 1000));
      }
      dead.reset();
      for (const [origin, n] of deadBy) dead.set({ origin }, n);
      for (const q of queues) {
        depth.set({ queue: q.queue }, q.messages);
        consumers.set({ queue: q.queue }, q.consumers);
      }
      awaitingTimestamp.set(awaiting);
      refreshed.set(now.getTime() / 1000);
    },
  };
}
