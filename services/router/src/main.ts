import { Bus } from "@edoc/bus";
import {
  createLogger,
  createMetrics,
  envInt,
  loadDirectory,
  loadHubConfig,
  onShutdown,
  serveOps,
} from "@edoc/runtime";
import { createRouter } from "./router.js";

const log = createLogger("router");
const config = loadHubConfig();
const directory = loadDirectory(config.directoryFile);
const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
await createRouter({ bus, directory: () => directory, log }).start();
log.info({ agencies: directory.size, prefix: config.busPrefix }, "router consuming");
const ops = serveOps(envInt("EDOC_ROUTER_OPS_PORT", 9466), createMetrics("router"), async () => ({
  broker: bus.connected,
}));
onShutdown(log, async () => {
  ops.close();
  await bus.close();
});
