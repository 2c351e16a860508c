import { readFileSync } from "node:fs";
import { type OrganId, parseOrganId } from "@edoc/directory";
import { ConfigError, envInt, type HubConfig, loadHubConfig } from "@edoc/runtime";
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
  allowSha1: boolean;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const base = loadHubConfig(env);
  const trustFile = env.EDOC_TRUST_FILE;
  if (!trustFile) throw new ConfigError("EDOC_TRUST_FILE (PEM bundle of trusted CAs) is required");
  if (!base.hubKeyFile || !base.hubCertFile)
    throw new ConfigError("EDOC_HUB_KEY and EDOC_HUB_CERT are required");
  return {
    ...base,
    host: env.EDOC_GATEWAY_HOST ?? "127.0.0.1",
    port: envInt("EDOC_GATEWAY_PORT", 8443, env),
    opsPort: envInt("EDOC_OPS_PORT", 9464, env),
    trustFile,
    crlFiles: (env.EDOC_CRL_FILES ?? "").split(",").filter(Boolean),
    actsForFile: env.EDOC_ACTS_FOR_FILE || undefined,
    maxPacketBytes: envInt("EDOC_MAX_PACKET_BYTES", 40 * 1024 * 1024, env),
    allowSha1: env.EDOC_ALLOW_SHA1 === "true",
  };
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
