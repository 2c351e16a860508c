import type { Bus } from "@edoc/bus";
import type { Directory } from "@edoc/directory";
import { agenciesFromQd20, type SyncPlan, syncPlan } from "@edoc/federation";
import type { Logger } from "@edoc/runtime";
import type { VdxpClient } from "@edoc/vdxp-client";
import { Counter, type Registry } from "prom-client";
import { callArchive } from "../rpc.js";

/**
 * Directory sync from the upstream (đồng bộ danh mục), at start and every `syncMs`: the
 * upstream's QĐ 20 list merged into this hub's directory (its own entries win, learned ones get
 * `hub: "upstream"`), each edit applied through `directory.change`, so each has its receipt
 * and every service swaps its snapshot as for an operator's change.
 */
export interface DirectorySyncDeps {
  upstream: VdxpClient;
  bus: Bus;
  directory: () => Directory;
  syncMs: number;
  log: Logger;
  metrics: Registry;
}

export interface SyncReport extends SyncPlan {
  applied: number;
  /** edits the archive refused (an overlap with a local period…), with its message */
  refused: { id: string; message: string }[];
}

/** One sync: plan, and unless `dryRun`, apply edit by edit (a refused one does not stop the rest). */
export async function syncDirectory(
  d: Pick<DirectorySyncDeps, "upstream" | "bus" | "directory">,
  dryRun = false,
): Promise<SyncReport> {
  const { agencies, skipped } = agenciesFromQd20(await d.upstream.getAgenciesListQD20());
  const plan = syncPlan(d.directory().all(), agencies, skipped);
  const report: SyncReport = { ...plan, applied: 0, refused: [] };
  if (dryRun) return report;
  for (const change of plan.edits) {
    try {
      await callArchive(d.bus, "directory.change", { change, actor: "upstream-sync" });
      report.applied++;
    } catch (err) {
      report.refused.push({ id: change.agency.id, message: (err as Error).message });
    }
  }
  return report;
}

export class DirectorySync {
  private timer: NodeJS.Timeout | undefined;
  private readonly runs: Counter;

  constructor(private readonly d: DirectorySyncDeps) {
    this.runs = new Counter({
      name: "edoc_upstream_directory_sync_total",
      help: "Directory syncs from the upstream, by outcome (ok, failed)",
      labelNames: ["outcome"],
      registers: [d.metrics],
    });
  }

  start(): void {
    if (this.d.syncMs <= 0) return;
    void this.run();
    this.timer = setInterval(() => void this.run(), this.d.syncMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async run(): Promise<void> {
    try {
      const r = await syncDirectory(this.d);
      this.runs.inc({ outcome: "ok" });
      this.d.log.info(
        {
          applied: r.applied,
          refused: r.refused.length,
          unchanged: r.unchanged,
          keptLocal: r.keptLocal.length,
          skipped: r.skipped.length,
        },
        "directory synced from upstream",
      );
      for (const x of r.refused) this.d.log.warn(x, "upstream directory entry not applied");
    } catch (err) {
      this.runs.inc({ outcome: "failed" });
      this.d.log.warn({ err: (err as Error).message }, "directory sync from upstream failed");
    }
  }
}
