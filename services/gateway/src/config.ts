import { readFileSync } from "node:fs";
import { type OrganId, parseOrganId } from "@edoc/directory";
import { DEFAULT_PDF_POLICY, type PdfPolicy, parsePdfPolicy } from "@edoc/pades";
import {
  ConfigError,
  DEFAULT_TLS_CIPHERS,
  envInt,
  type HubConfig,
  loadHubConfig,
} from "@edoc/runtime";
import type { ActsFor } from "./auth.js";

export interface GatewayConfig extends HubConfig {
  host: string;
  port: number;
  /** Loopback port for /metrics and /health (Prometheus, operators). */
  opsPort: number;
  /** PEM bundle of the CAs whose agency certificates the hub trusts (mTLS and signatures). */
  trustFile: string;
  crlFiles: string[];
  actsForFile: string | undefined;
  maxPacketBytes: number;
  /** Parser limits beyond the packet size; unset ones are @edoc/edxml's defaults. */
  maxAttachmentBytes: number | undefined;
  maxElements: number | undefined;
  allowSha1: boolean;
  /** Token bucket per authenticated OrganId: refill rate and capacity; rate 0 turns it off. */
  ratePerSecond: number;
  rateBurst: number;
  /** JSON file of the per-agency PDF signature policy (docs/pades.md); absent: record only. */
  pdfPolicyFile: string | undefined;
  /** How often the trust store and CRL files are checked for changes (0: on SIGHUP only). */
  trustReloadMs: number;
  /** OpenSSL cipher list for TLS 1.2 and 1.3. */
  tlsCiphers: string;
  /** How often the maintenance switch is asked of the archive. */
  maintenancePollMs: number;
  /** Live revocation: CRLs from distribution points and OCSP for certificates that name them. */
  liveRevocation: boolean;
  /** How often fetched CRLs are fetched again. */
  crlRefreshMs: number;
  /** Per CRL download or OCSP exchange. */
  revocationTimeoutMs: number;
  /** SHA-256 fingerprints of CAs that soft-fail when revocation data cannot be had. */
  revocationSoftFail: string[];
  /** The national axis protocol's listener (VDXP); undefined when EDOC_VDXP_PORT is unset. */
  vdxp: VdxpConfig | undefined;
}

export interface VdxpConfig {
  port: number;
  /** 64 hex digits, 0600: the key system secrets are sealed with (AES-256-GCM) */
  systemsKeyFile: string;
  /** accepted distance of XroadVnpt-timestamp from the hub's clock (replay window) */
  timestampWindowMs: number;
  /** how long a gateway trusts what it read about a system (disable/rotation take this long) */
  systemCacheMs: number;
}

function loadVdxpConfig(env: NodeJS.ProcessEnv): VdxpConfig | undefined {
  if (!env.EDOC_VDXP_PORT) return undefined;
  const systemsKeyFile = env.EDOC_SYSTEMS_KEY_FILE;
  if (!systemsKeyFile) {
    throw new ConfigError("EDOC_VDXP_PORT needs EDOC_SYSTEMS_KEY_FILE (the systems key)");
  }
  return {
    port: envInt("EDOC_VDXP_PORT", 8444, env),
    systemsKeyFile,
    timestampWindowMs:
      positive("EDOC_VDXP_TIMESTAMP_WINDOW_S", envInt("EDOC_VDXP_TIMESTAMP_WINDOW_S", 300, env)) *
      1000,
    systemCacheMs: envInt("EDOC_VDXP_SYSTEM_CACHE_MS", 5_000, env),
  };
}

export { DEFAULT_TLS_CIPHERS };

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const base = loadHubConfig(env);
  const trustFile = env.EDOC_TRUST_FILE;
  if (!trustFile) throw new ConfigError("EDOC_TRUST_FILE (PEM bundle of trusted CAs) is required");
  if (!base.hubKeyFile || !base.hubCertFile)
    throw new ConfigError("EDOC_HUB_KEY and EDOC_HUB_CERT are required");
  if (!base.receiptCertFile)
    throw new ConfigError("EDOC_RECEIPT_CERT (the signer's receipt certificate) is required");
  return {
    ...base,
    host: env.EDOC_GATEWAY_HOST ?? "127.0.0.1",
    port: envInt("EDOC_GATEWAY_PORT", 8443, env),
    opsPort: envInt("EDOC_OPS_PORT", 9464, env),
    trustFile,
    crlFiles: (env.EDOC_CRL_FILES ?? "").split(",").filter(Boolean),
    actsForFile: env.EDOC_ACTS_FOR_FILE || undefined,
    pdfPolicyFile: env.EDOC_PDF_POLICY_FILE || undefined,
    maxPacketBytes: positive(
      "EDOC_MAX_PACKET_BYTES",
      envInt("EDOC_MAX_PACKET_BYTES", 40 * 1024 * 1024, env),
    ),
    maxAttachmentBytes: optionalPositive("EDOC_MAX_ATTACHMENT_BYTES", env),
    maxElements: optionalPositive("EDOC_MAX_ELEMENTS", env),
    allowSha1: env.EDOC_ALLOW_SHA1 === "true",
    ratePerSecond: envNumber("EDOC_RATE_PER_SECOND", 50, env),
    rateBurst: positive("EDOC_RATE_BURST", envNumber("EDOC_RATE_BURST", 200, env)),
    trustReloadMs: envInt("EDOC_TRUST_RELOAD_MS", 5_000, env),
    tlsCiphers: env.EDOC_TLS_CIPHERS || DEFAULT_TLS_CIPHERS,
    maintenancePollMs: positive(
      "EDOC_MAINTENANCE_POLL_MS",
      envInt("EDOC_MAINTENANCE_POLL_MS", 2_000, env),
    ),
    liveRevocation: env.EDOC_LIVE_REVOCATION !== "false",
    crlRefreshMs: positive("EDOC_CRL_REFRESH_MS", envInt("EDOC_CRL_REFRESH_MS", 300_000, env)),
    revocationTimeoutMs: positive(
      "EDOC_REVOCATION_TIMEOUT_MS",
      envInt("EDOC_REVOCATION_TIMEOUT_MS", 5_000, env),
    ),
    revocationSoftFail: fingerprints(env.EDOC_REVOCATION_SOFT_FAIL ?? ""),
    vdxp: loadVdxpConfig(env),
  };
}

/** Comma-separated SHA-256 fingerprints, hex with or without colons, any case. */
function fingerprints(raw: string): string[] {
  return raw
    .split(",")
    .map((f) => f.trim().toLowerCase().replace(/:/g, ""))
    .filter(Boolean)
    .map((f) => {
      if (!/^[0-9a-f]{64}$/.test(f))
        throw new ConfigError(`EDOC_REVOCATION_SOFT_FAIL: ${f} is not a SHA-256 fingerprint`);
      return f;
    });
}

/** A non-negative number setting (fractions allowed: 0.5 per second is one every two seconds). */
function envNumber(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new ConfigError(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
}

function positive(name: string, n: number): number {
  if (n <= 0) throw new ConfigError(`${name} must be positive, got ${n}`);
  return n;
}

function optionalPositive(name: string, env: NodeJS.ProcessEnv): number | undefined {
  if (!env[name]) return undefined;
  return positive(name, envInt(name, 0, env));
}

/** EDOC_PDF_POLICY_FILE, validated; without a file every agency is "record". */
export function loadPdfPolicy(file: string | undefined): PdfPolicy {
  if (!file) return DEFAULT_PDF_POLICY;
  try {
    return parsePdfPolicy(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
}

/** `{ "<system OrganId>": ["<OrganId it acts for>", …] }`, validated. */
export function loadActsFor(file: string | undefined): ActsFor {
  const map = new Map<OrganId, OrganId[]>();
  if (!file) return map;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new ConfigError(`${file}: expected an object`);
  for (const [k, v] of Object.entries(raw)) {
    if (!Array.isArray(v)) throw new ConfigError(`${file}: ${k} must map to an array of OrganIds`);
    map.set(
      parseOrganId(k, `${file}:${k}`),
      v.map((x, i) => parseOrganId(String(x), `${file}:${k}[${i}]`)),
    );
  }
  return map;
}
