import type { Bus } from "@edoc/bus";
import { type Agency, Directory } from "@edoc/directory";
import { DirectoryChanged, RpcResults } from "@edoc/messages";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import { envInt, type HubConfig } from "./config.js";
import { loadDirectory } from "./files.js";

export interface LiveDirectoryOptions {
  bus: Bus;
  log: Logger;
  /** What to route by until the archive answered (the configured file or the demo). */
  initial: Directory;
  /** Safety net behind the broadcast: ask the archive for a newer version this often. */
  checkMs?: number;
  /** Wait this long at start for the archive's current version (then keep `initial`). */
  startTimeoutMs?: number;
  /** Exposes `edoc_directory_version` here: every instance should show the same number. */
  metrics?: Registry;
}

/**
 * The agency directory as a service sees it: an immutable `Directory` snapshot, swapped whole
 * when the archive has a newer version. A `directory.changed` broadcast triggers a fetch at
 * once; a periodic check (`checkMs`) catches a broadcast missed while disconnected. Readers call
 * `current()` per request, so a swap takes effect on the next letter and never halfway through.
 */
export class LiveDirectory {
  private directory: Directory;
  private ver = 0;
  private timer: NodeJS.Timeout | undefined;
  /** One refresh at a time; a request during one runs once more after it. */
  private running: Promise<void> | undefined;
  private again = false;
  private readonly gauge: Gauge | undefined;

  constructor(private readonly opts: LiveDirectoryOptions) {
    this.directory = opts.initial;
    this.gauge = opts.metrics
      ? new Gauge({
          name: "edoc_directory_version",
          help: "Agency directory version in force in this process (0: the configured set, the archive not asked yet)",
          registers: [opts.metrics],
        })
      : undefined;
    this.gauge?.set(0);
  }

  current(): Directory {
    return this.directory;
  }

  /** The archive's version in force here; 0 until the first answer (the initial set). */
  get version(): number {
    return this.ver;
  }

  async start(): Promise<void> {
    await this.opts.bus.subscribe("directory.changed", async (msg) => {
      const news = DirectoryChanged.safeParse(msg.json());
      if (news.success && news.data.version > this.ver) await this.refresh();
    });
    const timeout = this.opts.startTimeoutMs ?? 5_000;
    await this.refresh(timeout).catch((err: unknown) =>
      this.opts.log.warn(
        { err: errText(err) },
        "archive did not give the directory yet; routing by the configured set until it does",
      ),
    );
    const every = this.opts.checkMs ?? 15_000;
    const tick = () => {
      this.refresh()
        .catch((err: unknown) =>
          this.opts.log.warn({ err: errText(err) }, "directory version check failed"),
        )
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, every).unref();
        });
    };
    this.timer = setTimeout(tick, every).unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Fetches the archive's version when newer than ours and swaps the snapshot. */
  refresh(timeoutMs = 10_000): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.fetch(timeoutMs);
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async fetch(timeoutMs: number): Promise<void> {
    const raw = await this.opts.bus.call(
      "archive.rpc",
      "directory.snapshot",
      { after: this.ver },
      timeoutMs,
    );
    const snap = RpcResults["directory.snapshot"].parse(raw);
    if (snap.version <= this.ver || !snap.agencies) return;
    // Validated again here: a set this process cannot load never replaces a working one.
    this.directory = Directory.fromAgencies(snap.agencies as Agency[]);
    this.ver = snap.version;
    this.gauge?.set(snap.version);
    this.opts.log.info(
      { version: snap.version, agencies: this.directory.size, digest: snap.digest },
      "directory version in force",
    );
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A started LiveDirectory for a service: the configured set (EDOC_DIRECTORY_FILE or the demo)
 * until the archive answers, then the archive's versions; EDOC_DIRECTORY_CHECK_MS (default
 * 15 s) between checks behind the broadcast.
 */
export async function startLiveDirectory(
  config: Pick<HubConfig, "directoryFile">,
  bus: Bus,
  log: Logger,
  metrics?: Registry,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LiveDirectory> {
  const live = new LiveDirectory({
    bus,
    log,
    ...(metrics ? { metrics } : {}),
    initial: loadDirectory(config.directoryFile),
    checkMs: envInt("EDOC_DIRECTORY_CHECK_MS", 15_000, env),
  });
  await live.start();
  return live;
}
