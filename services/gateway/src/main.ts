import type { ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { SecureContextOptions, TLSSocket } from "node:tls";
import { Bus } from "@edoc/bus";
import {
  createLogger,
  createMetrics,
  loadDirectory,
  onShutdown,
  readText,
  serveOps,
  type TrustMaterial,
} from "@edoc/runtime";
import { signXml } from "@edoc/signature";
import { createGatewayApp } from "./app.js";
import { loadActsFor, loadGatewayConfig, loadPdfPolicy } from "./config.js";
import { registerExpiryGauges } from "./expiry.js";
import { MaintenanceSwitch } from "./maintenance.js";
import { TrustStore } from "./trust.js";

const log = createLogger("gateway");
const config = loadGatewayConfig();
const metrics = createMetrics("gateway");
const hubKeyPem = readText(config.hubKeyFile ?? "", "hub key");
const hubCertPem = readText(config.hubCertFile ?? "", "hub certificate");
const directory = loadDirectory(config.directoryFile);
const actsFor = loadActsFor(config.actsForFile);

/** TLS 1.2+ only, forward-secret AEAD suites, client certificates checked against trust + CRLs. */
function secureContext(trust: TrustMaterial): SecureContextOptions {
  return {
    key: hubKeyPem,
    cert: hubCertPem,
    ca: [...trust.anchors, ...trust.intermediates],
    ...(trust.crls.length > 0 ? { crl: trust.crls } : {}),
    minVersion: "TLSv1.2",
    ciphers: config.tlsCiphers,
  };
}

// Set once the server exists; a reload before that only replaces the material.
let onTrustChange: (trust: TrustMaterial) => void = () => {};
const trust = new TrustStore(config.trustFile, config.crlFiles, log, (m) => onTrustChange(m));

const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
const maintenance = new MaintenanceSwitch(bus, log, metrics, config.maintenancePollMs);
await maintenance.poll();
maintenance.start();
const app = createGatewayApp({
  bus,
  log,
  metrics,
  actsFor,
  pdfPolicy: loadPdfPolicy(config.pdfPolicyFile),
  maxPacketBytes: config.maxPacketBytes,
  rateLimit: { ratePerSecond: config.ratePerSecond, burst: config.rateBurst },
  directory: () => directory,
  trust: () => ({
    trustAnchors: trust.current.anchors,
    intermediates: trust.current.intermediates,
    crls: trust.current.crls,
    allowSha1: config.allowSha1,
    strictSignatureContent: true,
    limits: {
      maxBytes: config.maxPacketBytes,
      ...(config.maxAttachmentBytes ? { maxAttachmentBytes: config.maxAttachmentBytes } : {}),
      ...(config.maxElements ? { maxElements: config.maxElements } : {}),
    },
  }),
  refuseIfMaintenance: () => maintenance.refuseIfOn(),
  signReceipt: (xml) => signXml(xml, { privateKeyPem: hubKeyPem, certificatePem: hubCertPem }),
  health: async () => ({
    directory: directory.size > 0,
    signingKey: hubKeyPem.includes("PRIVATE KEY"),
  }),
});

// Mutual TLS: the client's chain and revocation are checked by TLS against the same trust store
// and CRLs as signatures; refusals are turned into JSON by the app (see auth.ts).
const server = createHttpsServer(
  {
    ...secureContext(trust.current),
    requestCert: true,
    rejectUnauthorized: false,
    // Slow clients may not hold a connection open forever before sending their headers.
    headersTimeout: 20_000,
  },
  app,
);

// After a trust reload, connections authenticated under the old trust store (and CRLs) must not
// carry on: idle ones are closed at once, busy ones after their current response. A new
// secure context also has new session-ticket keys, so no session resumes past a revocation.
const generationOf = new WeakMap<Socket, number>();
const inFlight = new Set<ServerResponse>();
server.on("secureConnection", (socket: TLSSocket) => {
  generationOf.set(socket, trust.generation);
  // The caller's identity is read once per connection (auth.ts): no TLS 1.2 renegotiation may
  // swap the client certificate under it.
  socket.disableRenegotiation();
});
server.prependListener("request", (req, res) => {
  if (generationOf.get(req.socket) !== trust.generation) res.setHeader("Connection", "close");
  inFlight.add(res);
  res.once("close", () => inFlight.delete(res));
});
onTrustChange = (material) => {
  server.setSecureContext(secureContext(material));
  for (const res of inFlight) {
    if (!res.headersSent) res.setHeader("Connection", "close");
    else {
      const socket = res.socket;
      res.once("finish", () => socket?.end());
    }
  }
  server.closeIdleConnections();
};
trust.watch(config.trustReloadMs);
registerExpiryGauges(metrics, hubCertPem, () => trust.current);

// Handshakes refused by TLS itself (old protocol versions, no shared cipher) never reach the app.
server.on("tlsClientError", (err: Error & { code?: string }, socket: TLSSocket) => {
  log.warn(
    { code: "TLS_HANDSHAKE_FAILED", tlsError: err.code, remote: socket.remoteAddress },
    "TLS handshake refused",
  );
});
// Requests HTTP cannot parse get a JSON refusal too, then the connection is closed.
server.on("clientError", (err: Error & { code?: string }, socket: Socket) => {
  const [status, code] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? ["431 Request Header Fields Too Large", "HEADERS_TOO_LARGE"]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? ["408 Request Timeout", "REQUEST_TIMEOUT"]
        : ["400 Bad Request", "BAD_REQUEST"];
  log.warn({ code, httpError: err.code, remote: socket.remoteAddress }, "request refused");
  if (!socket.writable || err.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ code, message: `malformed HTTP request (${err.code ?? "?"})` });
  socket.end(
    `HTTP/1.1 ${status}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
});

server.listen(config.port, config.host, () =>
  log.info(
    {
      host: config.host,
      port: config.port,
      agencies: directory.size,
      ratePerSecond: config.ratePerSecond,
      rateBurst: config.rateBurst,
      trustReloadMs: config.trustReloadMs,
    },
    "gateway listening (mTLS)",
  ),
);

const ops = serveOps(config.opsPort, metrics, async () => ({ broker: bus.connected }));

onShutdown(log, async () => {
  trust.stop();
  maintenance.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  ops.close();
  await bus.close();
});
