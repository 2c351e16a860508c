import type { ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { SecureContextOptions, TLSSocket } from "node:tls";
import { Bus } from "@edoc/bus";
import {
  createLogger,
  createMetrics,
  KEEP_ALIVE_TIMEOUT_MS,
  loadFederationConfig,
  onShutdown,
  RevocationFetcher,
  readText,
  serveOps,
  startLiveDirectory,
  type TrustMaterial,
} from "@edoc/runtime";
import {
  type CanonicalDocument,
  crlUrlsOf,
  signCanonicalRemote,
  type TrustPolicy,
} from "@edoc/signature";
import { RemoteSigner, SignerUnavailableError } from "@edoc/signer-client";
import { Counter } from "prom-client";
import { createGatewayApp } from "./app.js";
import { clientRevocationCheck } from "./client-revocation.js";
import { loadActsFor, loadGatewayConfig, loadPdfPolicy } from "./config.js";
import { ApiError } from "./errors.js";
import { registerExpiryGauges } from "./expiry.js";
import { MaintenanceSwitch } from "./maintenance.js";
import { archiveLease, SharedRateLimiter } from "./shared-rate-limit.js";
import { TrustStore } from "./trust.js";
import { startUpstreamLink } from "./upstream/link.js";
import { startVdxpServer } from "./vdxp/server.js";

const log = createLogger("gateway");
const config = loadGatewayConfig();
const metrics = createMetrics("gateway");
const hubKeyPem = readText(config.hubKeyFile ?? "", "hub key");
const hubCertPem = readText(config.hubCertFile ?? "", "hub certificate");
// Receipts: only the certificate here; the key is in the signer's PKCS#11 token.
const receiptCertPem = readText(config.receiptCertFile ?? "", "receipt certificate");
const actsFor = loadActsFor(config.actsForFile);
const federation = loadFederationConfig();

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

const revocationFailures = new Counter({
  name: "edoc_revocation_fetch_failures_total",
  help: "Failed CRL downloads (kind crl) and OCSP exchanges (kind ocsp), by URL",
  labelNames: ["kind", "url"],
  registers: [metrics],
});
// Live revocation: CRLs from the distribution points certificates name (the trust store's CAs'
// at once, the agencies' when first seen), OCSP where a certificate names a responder.
const fetcher = config.liveRevocation
  ? new RevocationFetcher({
      refreshMs: config.crlRefreshMs,
      timeoutMs: config.revocationTimeoutMs,
      log,
      onChange: () => trust.revocationChanged(),
      onFailure: (kind, url) => revocationFailures.inc({ kind, url }),
    })
  : undefined;
fetcher?.watch(crlUrlsOf([...trust.current.anchors, ...trust.current.intermediates]));

function trustPolicy(): TrustPolicy {
  return {
    trustAnchors: trust.current.anchors,
    intermediates: trust.current.intermediates,
    crls: trust.current.crls,
    ...(fetcher ? { revocationSource: fetcher } : {}),
    revocationSoftFail: config.revocationSoftFail,
  };
}

const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
const directory = await startLiveDirectory(config, bus, log, metrics);
const signer = new RemoteSigner(bus);
const maintenance = new MaintenanceSwitch(bus, log, metrics, config.maintenancePollMs);
await maintenance.poll();
maintenance.start();
// One bucket per agency (and per VDXP system) for all gateways of the hub, kept by the archive.
const limit = { ratePerSecond: config.ratePerSecond, burst: config.rateBurst };
const leases = new Counter({
  name: "edoc_gateway_rate_leases_total",
  help: "Rate-limit leases asked of the archive, by outcome (failed: local buckets meanwhile)",
  labelNames: ["outcome"],
  registers: [metrics],
});
const rateLimit = new SharedRateLimiter(limit, archiveLease(bus, limit), log, Date.now, (o) =>
  leases.inc({ outcome: o }),
);
// One accept path for both doors: the same directory, trust policy, receipt signer and
// maintenance switch.
const submitDeps = {
  bus,
  pdfPolicy: loadPdfPolicy(config.pdfPolicyFile),
  directory: () => directory.current(),
  trust: () => ({
    ...trustPolicy(),
    allowSha1: config.allowSha1,
    strictSignatureContent: true,
    limits: {
      maxBytes: config.maxPacketBytes,
      ...(config.maxAttachmentBytes ? { maxAttachmentBytes: config.maxAttachmentBytes } : {}),
      ...(config.maxElements ? { maxElements: config.maxElements } : {}),
    },
  }),
  refuseIfMaintenance: () => maintenance.refuseIfOn(),
  checkClient: clientRevocationCheck(trustPolicy),
  // With an upstream, a recipient this hub does not know is the upstream's, not refused.
  upstream: loadFederationConfig().upstream !== undefined,
  signReceipt: (receipt: CanonicalDocument) =>
    signCanonicalRemote(receipt, {
      certificatePem: receiptCertPem,
      algorithm: "rsa-sha256",
      sign: (data) => signer.signRsaSha256(data),
    }).catch((err: unknown) => {
      if (!(err instanceof SignerUnavailableError)) throw err;
      log.warn({ code: err.code }, err.message);
      throw ApiError.of("HUB_UNAVAILABLE", "the hub cannot sign a receipt now; retry later");
    }),
};
const app = createGatewayApp({
  ...submitDeps,
  log,
  metrics,
  actsFor,
  maxPacketBytes: config.maxPacketBytes,
  rateLimit,
  health: async () => ({
    directory: directory.current().size > 0,
    receiptCertificate: receiptCertPem.includes("CERTIFICATE"),
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
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

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
const vdxpServer = config.vdxp
  ? startVdxpServer(
      config.vdxp,
      config.host,
      () => secureContext(trust.current),
      {
        ...submitDeps,
        log,
        metrics,
        maxPacketBytes: config.maxPacketBytes,
        rateLimit,
        federation,
      },
      log,
    )
  : undefined;

onTrustChange = (material) => {
  vdxpServer?.setSecureContext(secureContext(material));
  vdxpServer?.closeIdleConnections();
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
registerExpiryGauges(
  metrics,
  hubCertPem,
  () => trust.current,
  () => fetcher?.current() ?? [],
);

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
      agencies: directory.current().size,
      directoryVersion: directory.version,
      ratePerSecond: config.ratePerSecond,
      rateBurst: config.rateBurst,
      trustReloadMs: config.trustReloadMs,
    },
    "gateway listening (mTLS)",
  ),
);

const ops = serveOps(config.opsPort, metrics, async () => ({ broker: bus.connected }));
const stopLink = startUpstreamLink(federation, submitDeps, log, metrics);

onShutdown(log, async () => {
  await stopLink?.();
  trust.stop();
  directory.stop();
  fetcher?.stop();
  maintenance.stop();
  await Promise.all(
    [server, vdxpServer].map(
      (s) => new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve())),
    ),
  );
  ops.close();
  await bus.close();
});
