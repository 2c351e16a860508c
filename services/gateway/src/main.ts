import { createServer as createHttpsServer } from "node:https";
import { Bus } from "@edoc/bus";
import {
  createLogger,
  createMetrics,
  loadDirectory,
  loadTrust,
  onShutdown,
  readText,
  serveOps,
} from "@edoc/runtime";
import { signXml } from "@edoc/signature";
import { createGatewayApp } from "./app.js";
import { loadActsFor, loadGatewayConfig } from "./config.js";

const log = createLogger("gateway");
const config = loadGatewayConfig();
const metrics = createMetrics("gateway");
const trust = loadTrust(config.trustFile, config.crlFiles);
const hubKeyPem = readText(config.hubKeyFile ?? "", "hub key");
const hubCertPem = readText(config.hubCertFile ?? "", "hub certificate");
const directory = loadDirectory(config.directoryFile);
const actsFor = loadActsFor(config.actsForFile);

const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
const app = createGatewayApp({
  bus,
  log,
  metrics,
  actsFor,
  maxPacketBytes: config.maxPacketBytes,
  directory: () => directory,
  trust: () => ({
    trustAnchors: trust.anchors,
    intermediates: trust.intermediates,
    crls: trust.crls,
    allowSha1: config.allowSha1,
  }),
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
    key: hubKeyPem,
    cert: hubCertPem,
    ca: [...trust.anchors, ...trust.intermediates],
    ...(trust.crls.length > 0 ? { crl: trust.crls } : {}),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: "TLSv1.2",
  },
  app,
);
server.listen(config.port, config.host, () =>
  log.info(
    { host: config.host, port: config.port, agencies: directory.size },
    "gateway listening (mTLS)",
  ),
);

const ops = serveOps(config.opsPort, metrics, async () => ({ broker: bus.connected }));

onShutdown(log, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  ops.close();
  await bus.close();
});
