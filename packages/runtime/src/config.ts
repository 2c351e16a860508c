/** Settings common to all services. Defaults run the demo hub on one machine. */
export interface HubConfig {
  amqpUrl: string;
  mongoUrl: string;
  dbName: string;
  /** Prefix of every queue: one hub (or one test run) per prefix. */
  busPrefix: string;
  /** Directory JSON (`edoc-directory/1`); unset = the built-in demo network. */
  directoryFile: string | undefined;
  /** Hub key and certificate: the HTTPS servers' TLS identity (never the receipt key). */
  hubKeyFile: string | undefined;
  hubCertFile: string | undefined;
  /**
   * The certificate of the receipt key, which only the signer service uses (in its PKCS#11
   * token): acceptance receipts and chain heads are signed under it, evidence carries it.
   */
  receiptCertFile: string | undefined;
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
    receiptCertFile: env.EDOC_RECEIPT_CERT || undefined,
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

/**
 * The TLS suites the hub's HTTPS servers offer: forward-secret AEAD only (Mozilla
 * "intermediate"): TLS 1.3's three, then ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2.
 */
export const DEFAULT_TLS_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/**
 * How long the hub's HTTPS servers keep an idle connection. Node's default (5 s) equals the
 * free-socket timeout of Node's own keep-alive agent, so a client could reuse a socket the
 * server was closing (EPIPE / ECONNRESET on a healthy hub); load balancers idle for 60 s.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
