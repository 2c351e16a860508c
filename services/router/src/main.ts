import { Bus } from "@edoc/bus";
import {
  createLogger,
  createMetrics,
  envInt,
  loadHubConfig,
  onShutdown,
  serveOps,
  startLiveDirectory,
} from "@edoc/runtime";
import { createRouter } from "./router.js";

const log = createLogger("router");
const config = loadHubConfig();
const metrics = createMetrics("router");
const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
const directory = await startLiveDirectory(config, bus, log, metrics);
await createRouter({ bus, directory: () => directory.current(), log }).start();
log.info(
  { agencies: directory.current().size, version: directory.version, prefix: config.busPrefix },
  "router consuming",
);
const ops = serveOps(envInt("EDOC_ROUTER_OPS_PORT", 9466), metrics, async () => ({
  broker: bus.connected,
}));
onShutdown(log, async () => {
  ops.close();
  directory.stop();
  await bus.close();
});
