import { readFile } from "node:fs/promises";
import { Bus } from "@edoc/bus";
import {
  createLogger,
  createMetrics,
  envInt,
  loadDeadlinePolicy,
  loadDirectory,
  loadHubConfig,
  onShutdown,
  serveOps,
} from "@edoc/runtime";
import { RemoteSigner } from "@edoc/signer-client";
import { connectStore } from "@edoc/store";
import { Histogram } from "prom-client";
import { createArchive } from "./archive.js";

const config = loadHubConfig();
const log = createLogger("archive", config.logLevel);

async function main(): Promise<void> {
  // Chain heads are signed by the signer service under the receipt certificate: no key here.
  const receiptCertPem = config.receiptCertFile
    ? await readFile(config.receiptCertFile, "utf8")
    : undefined;
  const reconcileMs = envInt("EDOC_RECONCILE_MS", 5_000);
  const chainHeadMs = envInt("EDOC_CHAIN_HEAD_MS", 10_000);
  // The legal receipt deadline (routing/deadline.ts) the gauges and the monthly reports judge by.
  const deadline = loadDeadlinePolicy();
  const retentionDays = envRetentionDays();

  const metrics = createMetrics("archive");
  const dbSeconds = new Histogram({
    name: "edoc_archive_db_command_seconds",
    help: "Database commands by name",
    labelNames: ["command"],
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2],
    registers: [metrics],
  });
  const store = await connectStore({
    url: config.mongoUrl,
    dbName: config.dbName,
    onCommand: (name, ms) => dbSeconds.observe({ command: name }, ms / 1000),
  });
  const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
  const signer = new RemoteSigner(bus);
  const archive = await createArchive({
    store,
    bus,
    log,
    ...(receiptCertPem
      ? { signHead: (payload) => signer.signRsaSha256(payload), hubCertPem: receiptCertPem }
      : {}),
    // For evidence bundles (evidence.export), as the gateway reads them: optional here.
    ...(process.env.EDOC_TRUST_FILE ? { trustFile: process.env.EDOC_TRUST_FILE } : {}),
    crlFiles: (process.env.EDOC_CRL_FILES ?? "").split(",").filter(Boolean),
    reconcileMs,
    chainHeadMs,
    lockLeaseMs: envInt("EDOC_LOCK_LEASE_MS", 30_000),
    // Only used while the database holds no directory yet (the first start of a hub).
    directorySeed: {
      agencies: loadDirectory(config.directoryFile).all(),
      source: config.directoryFile ?? "demo network",
    },
    ...(process.env.EDOC_TSA_URL
      ? {
          tsa: {
            url: process.env.EDOC_TSA_URL,
            timeoutMs: envInt("EDOC_TSA_TIMEOUT_MS", 10_000),
          },
        }
      : {}),
    deadline,
    gauges: {
      registry: metrics,
      refreshMs: envInt("EDOC_METRICS_REFRESH_MS", 15_000),
      policy: deadline,
    },
    ...(retentionDays ? { retentionDays } : {}),
    retentionEveryMs: envInt("EDOC_RETENTION_EVERY_MS", 3_600_000),
  });
  await archive.start();
  const ops = serveOps(envInt("EDOC_ARCHIVE_OPS_PORT", 9465), metrics, async () => ({
    broker: bus.connected,
    database: await store.ping(),
  }));
  onShutdown(log, async () => {
    ops.close();
    await archive.stop();
    await bus.close();
    await store.close();
  });
}

/**
 * EDOC_RETENTION_DAYS: how long letters' bytes are kept (the archive law sets periods in years:
 * 3650 is ten years). Unset = forever. A fraction is allowed (tests keep bytes for seconds).
 */
function envRetentionDays(): number | undefined {
  const raw = process.env.EDOC_RETENTION_DAYS;
  if (raw === undefined || raw === "") return undefined;
  const days = Number(raw);
  if (!Number.isFinite(days) || days <= 0) {
    throw new Error(
      `EDOC_RETENTION_DAYS must be a positive number of days, got ${JSON.stringify(raw)}`,
    );
  }
  return days;
}

main().catch((err: unknown) => {
  log.fatal({ err }, "archive failed to start");
  process.exit(1);
});
