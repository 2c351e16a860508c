/**
 * What every hub process needs at its edge, written once: configuration from the environment,
 * a structured logger, Prometheus metrics and graceful shutdown.
 */
import { type Logger, pino } from "pino";
import { collectDefaultMetrics, Registry } from "prom-client";

export type { Logger } from "pino";

/** Settings common to all services. Defaults run the demo hub on one machine. */
export interface HubConfig {
  amqpUrl: string;
  mongoUrl: string;
  dbName: string;
  /** Prefix of every queue: one hub (or one test run) per prefix. */
  busPrefix: string;
  /** Directory JSON (`edoc-directory/1`); unset = the built-in demo network. */
  directoryFile: string | undefined;
  /** Hub key and certificate: sign acceptance receipts and chain heads; TLS server identity. */
  hubKeyFile: string | undefined;
  hubCertFile: string | undefined;
  logLevel: string;
}

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
}

export function loadHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  return {
    amqpUrl: env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672",
    mongoUrl: env.EDOC_MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true",
    dbName: env.EDOC_DB_NAME ?? "edoc",
    busPrefix: env.EDOC_BUS_PREFIX ?? "edoc",
    directoryFile: env.EDOC_DIRECTORY_FILE || undefined,
    hubKeyFile: env.EDOC_HUB_KEY || undefined,
    hubCertFile: env.EDOC_HUB_CERT || undefined,
    logLevel: env.EDOC_LOG_LEVEL ?? "info",
  };
}

/** Reads an integer setting, failing loudly on garbage instead of running with NaN. */
export function envInt(
  name: string,
  fallback: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n))
    throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** A pino logger for one service; every line carries `service`, documents add `docId`. */
export function createLogger(
  service: string,
  level = process.env.EDOC_LOG_LEVEL ?? "info",
): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid } });
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
