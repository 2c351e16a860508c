import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { Bus } from "@edoc/bus";
import {
  createLogger,
  createMetrics,
  KEEP_ALIVE_TIMEOUT_MS,
  loadTrust,
  onShutdown,
  readText,
  serveOps,
  startLiveDirectory,
} from "@edoc/runtime";
import { createConsoleApp } from "./app.js";
import { loadConsoleConfig } from "./config.js";
import { ArchiveLoginLimiter, ArchiveSessions } from "./shared-state.js";
import { UserStore } from "./users.js";

const log = createLogger("console");
const config = loadConsoleConfig();
const metrics = createMetrics("console");
const keyPem = readText(config.hubKeyFile, "hub key");
const certPem = readText(config.hubCertFile, "hub certificate");
const trust = config.trustFile ? loadTrust(config.trustFile) : undefined;
const users = new UserStore(config.usersFile, (err) =>
  log.error({ err: err.message }, "users file unreadable; keeping the previous list"),
);
if (users.size === 0)
  log.warn({ file: config.usersFile }, "the users file lists nobody; no one can log in");
const css = readFileSync(new URL("../static/console.css", import.meta.url), "utf8");

const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
// Sessions and failed logins live in the archive: every console instance behind the balancer
// shares them, and a restart keeps them (the archive sweeps expired ones).
const sessions = new ArchiveSessions(bus, {
  idleMs: config.sessionIdleMs,
  maxMs: config.sessionMaxMs,
});
const directory = await startLiveDirectory(config, bus, log, metrics);
const app = createConsoleApp({
  bus,
  log,
  users,
  sessions,
  limiter: new ArchiveLoginLimiter(bus, {
    attempts: config.loginAttempts,
    windowMs: config.loginWindowMs,
  }),
  directory: () => directory.current(),
  stuck: config.stuck,
  services: config.services,
  css,
  trust: () =>
    trust ? { trustAnchors: trust.anchors, intermediates: trust.intermediates } : undefined,
  selfHealth: () => ({
    name: "console",
    port: config.opsPort,
    state: bus.connected ? "ok" : "degraded",
    checks: { broker: bus.connected, users: users.size > 0 },
  }),
});

// The hub's certificate, TLS 1.2+ with forward-secret AEAD suites. No client certificate is
// asked for: agency certificates mean nothing here; people log in with a password.
const server = createHttpsServer(
  {
    key: keyPem,
    cert: certPem,
    minVersion: "TLSv1.2",
    ciphers: config.tlsCiphers,
    requestCert: false,
    headersTimeout: 20_000,
    requestTimeout: 60_000,
  },
  app,
);
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
server.on("tlsClientError", (err: Error & { code?: string }, socket: Socket) => {
  log.warn({ tlsError: err.code, remote: socket.remoteAddress }, "TLS handshake refused");
});
server.listen(config.port, config.host, () =>
  log.info(
    { host: config.host, port: config.port, users: users.size, prefix: config.busPrefix },
    "console listening (https)",
  ),
);

const ops = serveOps(config.opsPort, metrics, async () => ({
  broker: bus.connected,
  users: users.size > 0,
}));

onShutdown(log, async () => {
  directory.stop();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  ops.close();
  await bus.close();
});
