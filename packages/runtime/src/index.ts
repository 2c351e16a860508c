/**
 * What every hub process needs at its edge, written once: configuration from the environment,
 * a structured logger, Prometheus metrics and graceful shutdown.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";

export type { Logger } from "pino";
export {
  ConfigError,
  DEFAULT_TLS_CIPHERS,
  envInt,
  type HubConfig,
  KEEP_ALIVE_TIMEOUT_MS,
  loadHubConfig,
} from "./config.js";
export { loadDeadlinePolicy } from "./deadline.js";
export { loadDirectory, loadTrust, readText, type TrustMaterial } from "./files.js";
export {
  LiveDirectory,
  type LiveDirectoryOptions,
  startLiveDirectory,
} from "./live-directory.js";
export { serveOps } from "./ops.js";
export { RevocationFetcher, type RevocationFetcherOptions } from "./revocation.js";
export { type FederationConfig, loadFederationConfig, type UpstreamConfig } from "./upstream.js";

/**
 * Request and response headers that carry credentials, censored wherever a line logs them
 * (pino-http's `req`/`res` in the gateway, anything the console logs): Basic/Bearer
 * credentials, session cookies, and the VDXP HMAC over the signed headers (with the signed
 * text beside it in the log, it would let anyone who reads the log test guesses of the secret).
 * Node lower-cases header names.
 */
const REDACTED_HEADERS = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "xroadvnpt-hash-header",
] as const;

const redactPaths = REDACTED_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `res.headers["${h}"]`]);

/** A pino logger for one service; every line carries `service`, documents add `docId`. */
export function createLogger(
  service: string,
  level = process.env.EDOC_LOG_LEVEL ?? "info",
  destination?: DestinationStream,
): Logger {
  const options = {
    name: service,
    level,
    base: { service, pid: process.pid },
    redact: { paths: redactPaths, censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A Prometheus registry with the process's default metrics, labelled by service. */
export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Runs `stop` once on SIGTERM/SIGINT and exits; a second signal, or a stop that hangs past
 * `graceMs`, exits at once. Work in flight is safe either way: nothing is acked before it is durable.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, graceMs = 10_000): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, "shutting down");
    const timer = setTimeout(() => process.exit(1), graceMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => handler("SIGTERM"));
  process.on("SIGINT", () => handler("SIGINT"));
}
