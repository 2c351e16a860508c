import { Bus } from "@edoc/bus";
import {
  createLogger,
  createMetrics,
  envInt,
  loadFederationConfig,
  loadHubConfig,
  onShutdown,
  serveOps,
  startLiveDirectory,
} from "@edoc/runtime";
import { createRouter } from "./router.js";
import { startForwarder } from "./upstream/forwarder.js";

const log = createLogger("router");
const config = loadHubConfig();
const federation = loadFederationConfig();
const metrics = createMetrics("router");
const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
const directory = await startLiveDirectory(config, bus, log, metrics);
const upstream = federation.upstream;
await createRouter({
  bus,
  directory: () => directory.current(),
  log,
  upstream: upstream !== undefined,
}).start();
log.info(
  {
    agencies: directory.current().size,
    version: directory.version,
    prefix: config.busPrefix,
    hubId: federation.hubId,
    upstream: upstream?.endpoint ?? null,
  },
  "router consuming",
);
// Only a hub with an upstream forwards what it does not serve (services/router/src/upstream).
const forwarder = upstream
  ? startForwarder({
      bus,
      log: log.child({ link: "upstream" }),
      metrics,
      hubId: federation.hubId,
      upstream,
    })
  : undefined;
const ops = serveOps(envInt("EDOC_ROUTER_OPS_PORT", 9466), metrics, async () => ({
  broker: bus.connected,
}));
onShutdown(log, async () => {
  await forwarder?.stop();
  ops.close();
  directory.stop();
  await bus.close();
});
