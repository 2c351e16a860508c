import { readFile } from "node:fs/promises";
import { Bus } from "@edoc/bus";
import { createLogger, envInt, loadHubConfig, onShutdown } from "@edoc/runtime";
import { connectStore } from "@edoc/store";
import { createArchive } from "./archive.js";

const config = loadHubConfig();
const log = createLogger("archive", config.logLevel);

async function main(): Promise<void> {
  const hubKeyPem = config.hubKeyFile ? await readFile(config.hubKeyFile, "utf8") : undefined;
  const hubCertPem = config.hubCertFile ? await readFile(config.hubCertFile, "utf8") : undefined;
  const reconcileMs = envInt("EDOC_RECONCILE_MS", 5_000);
  const chainHeadMs = envInt("EDOC_CHAIN_HEAD_MS", 10_000);

  const store = await connectStore({ url: config.mongoUrl, dbName: config.dbName });
  const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
  const archive = await createArchive({
    store,
    bus,
    log,
    hubKeyPem,
    hubCertPem,
    reconcileMs,
    chainHeadMs,
  });
  await archive.start();
  onShutdown(log, async () => {
    await archive.stop();
    await bus.close();
    await store.close();
  });
}

main().catch((err: unknown) => {
  log.fatal({ err }, "archive failed to start");
  process.exit(1);
});
