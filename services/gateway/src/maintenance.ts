import type { Bus } from "@edoc/bus";
import type { MaintenanceState } from "@edoc/messages";
import type { Logger } from "@edoc/runtime";
import { Gauge, type Registry } from "prom-client";
import { ApiError } from "./errors.js";
import { callArchive } from "./rpc.js";

/**
 * The maintenance switch as this gateway knows it: asked of the archive (which stores it) at
 * start and every `pollMs`, so every instance follows an operator's `edoc maintenance on`
 * within that long. When the archive cannot be asked, the last answer stands (submissions
 * then fail with HUB_UNAVAILABLE anyway).
 */
export class MaintenanceSwitch {
  private state: MaintenanceState = { on: false, retryAfterSeconds: 300 };
  private timer: NodeJS.Timeout | undefined;
  private readonly gauge: Gauge;

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    registry: Registry,
    private readonly pollMs: number,
  ) {
    this.gauge = new Gauge({
      name: "edoc_maintenance_mode",
      help: "1 while maintenance mode refuses new submissions",
      registers: [registry],
    });
  }

  get current(): MaintenanceState {
    return this.state;
  }

  /** Throws 503 MAINTENANCE (with its Retry-After) while maintenance mode is on. */
  refuseIfOn(): void {
    const s = this.state;
    if (!s.on) return;
    throw ApiError.of(
      "MAINTENANCE",
      `the hub is under maintenance${s.reason ? ` (${s.reason})` : ""}; submit again in ${s.retryAfterSeconds} s — inboxes stay available`,
      { retryAfterSeconds: s.retryAfterSeconds },
    );
  }

  async poll(): Promise<void> {
    try {
      const next = await callArchive(this.bus, "maintenance.get", {}, 5_000);
      if (next.on !== this.state.on)
        this.log.warn({ maintenance: next }, "maintenance mode changed");
      this.state = next;
      this.gauge.set(next.on ? 1 : 0);
    } catch (err) {
      this.log.debug({ err }, "maintenance state not refreshed");
    }
  }

  /** Polls every `pollMs` from now on (the first answer: `await poll()` before listening). */
  start(): void {
    const schedule = () => {
      this.timer = setTimeout(
        () => void this.poll().finally(() => this.timer && schedule()),
        this.pollMs,
      );
      this.timer.unref();
    };
    schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
