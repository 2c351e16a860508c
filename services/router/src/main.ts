import { Bus } from "@edoc/bus";
import { createLogger, loadDirectory, loadHubConfig, onShutdown } from "@edoc/runtime";
import { createRouter } from "./router.js";

const log = createLogger("router");
const config = loadHubConfig();
const directory = loadDirectory(config.directoryFile);
const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
await createRouter({ bus, directory: () => directory, log }).start();
log.info({ agencies: directory.size, prefix: config.busPrefix }, "router consuming");
onShutdown(log, () => bus.close());
