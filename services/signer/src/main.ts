import { Bus } from "@edoc/bus";
import { createLogger, createMetrics, onShutdown, readText, serveOps } from "@edoc/runtime";
import { Counter } from "prom-client";
import { loadSignerConfig } from "./config.js";
import { checkCertificate, signerHandler } from "./serve.js";
import { Token } from "./token.js";

const log = createLogger("signer");
const config = loadSignerConfig();
const metrics = createMetrics("signer");
const signed = new Counter({
  name: "edoc_signer_signatures_total",
  help: "Signatures made with the hub key in the PKCS#11 token",
  registers: [metrics],
});

const token = Token.open(config.token);
if (config.receiptCertFile)
  checkCertificate(token, readText(config.receiptCertFile, "receipt certificate"));
if (token.keyExportable()) {
  log.warn(
    { key: config.token.keyLabel },
    "the token lets this key out (CKA_EXTRACTABLE or not CKA_SENSITIVE)",
  );
}
const bus = await Bus.connect({ url: config.amqpUrl, prefix: config.busPrefix, logger: log });
// One token session signs one request at a time; more signer instances share the queue.
await bus.serve(
  "signer.rpc",
  signerHandler(token, log, (n) => signed.inc(n)),
  { prefetch: 4 },
);
log.info(
  { module: config.token.modulePath, token: config.token.tokenLabel, key: config.token.keyLabel },
  "signer serving signer.rpc",
);
const ops = serveOps(config.opsPort, metrics, async () => ({ broker: bus.connected }));
onShutdown(log, async () => {
  ops.close();
  await bus.close();
  token.close();
});
