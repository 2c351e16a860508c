import { createServer, type Server } from "node:https";
import type { SecureContextOptions, TLSSocket } from "node:tls";
import type { Logger } from "@edoc/runtime";
import { KEEP_ALIVE_TIMEOUT_MS, readText } from "@edoc/runtime";
import { parseSystemsKey } from "@edoc/vdxp";
import type { VdxpConfig } from "../config.js";
import { createVdxpApp, type VdxpDeps } from "./app.js";
import { SystemCache } from "./systems.js";

/**
 * The VDXP listener: a second HTTPS server on its own port. A client certificate is asked for
 * but optional (the SDK sends none unless its JVM key store adds one); systems that require
 * mutual TLS are checked per request against the same trust store and CRLs as the native door.
 */
export function startVdxpServer(
  config: VdxpConfig,
  host: string,
  secureContext: () => SecureContextOptions,
  deps: Omit<VdxpDeps, "systems" | "systemsKey" | "timestampWindowMs">,
  log: Logger,
): Server {
  const systemsKey = parseSystemsKey(readText(config.systemsKeyFile, "systems key"));
  const app = createVdxpApp({
    ...deps,
    systems: new SystemCache(deps.bus, config.systemCacheMs),
    systemsKey,
    timestampWindowMs: config.timestampWindowMs,
  });
  const server = createServer(
    { ...secureContext(), requestCert: true, rejectUnauthorized: false, headersTimeout: 20_000 },
    app,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on("secureConnection", (socket: TLSSocket) => socket.disableRenegotiation());
  server.on("tlsClientError", (err: Error & { code?: string }, socket: TLSSocket) => {
    log.warn({ door: "vdxp", tlsError: err.code, remote: socket.remoteAddress }, "TLS refused");
  });
  server.listen(config.port, host, () =>
    log.info(
      { host, port: config.port, timestampWindowMs: config.timestampWindowMs },
      "VDXP listener up (national axis protocol)",
    ),
  );
  return server;
}
