import { readFileSync } from "node:fs";
import { ConfigError, envInt } from "./config.js";

/**
 * This hub's place in a federation (liên thông giữa các trục). Every hub has an id, written in
 * its hop entries; a hub with an upstream (the national axis or a parent hub) forwards there
 * what it does not serve and pulls from there what is addressed to its agencies, speaking the
 * axis protocol (VDXP) as a system of the upstream. A hub without one is a top hub (the axis).
 */
export interface FederationConfig {
  /** EDOC_HUB_ID: this hub's id in hop entries (default `edoc`); unique in the federation. */
  hubId: string;
  /** EDOC_HOP_LIMIT (default 8): a packet that made this many hops is refused. */
  hopLimit: number;
  upstream: UpstreamConfig | undefined;
}

export interface UpstreamConfig {
  /** EDOC_UPSTREAM_URL, e.g. `https://axis.example:8445` (its VDXP listener). */
  endpoint: string;
  /** EDOC_UPSTREAM_SYSTEM_ID: this hub's systemid at the upstream. */
  systemId: string;
  /** Read from EDOC_UPSTREAM_SECRET_FILE (never from the environment itself, never logged). */
  secret: string;
  /** EDOC_UPSTREAM_CA: PEM file of the CA(s) the upstream's TLS certificate chains to. */
  ca: string | undefined;
  /** EDOC_UPSTREAM_CLIENT_CERT / EDOC_UPSTREAM_CLIENT_KEY: PEM files, when mTLS is required. */
  cert: string | undefined;
  key: string | undefined;
  /** EDOC_UPSTREAM_POLL_MS (default 2000): how often the link looks for work both ways. */
  pollMs: number;
  /** EDOC_UPSTREAM_SYNC_MS (default 3600000): directory sync from the upstream; 0 = off. */
  syncMs: number;
  /** EDOC_UPSTREAM_TIMEOUT_MS (default 30000): one call to the upstream. */
  timeoutMs: number;
}

const HUB_ID = /^[A-Za-z0-9._-]{1,64}$/;

function file(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const path = env[name];
  if (path === undefined || path === "") return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`${name}: cannot read ${path}: ${(e as Error).message}`);
  }
}

export function loadFederationConfig(env: NodeJS.ProcessEnv = process.env): FederationConfig {
  const hubId = env.EDOC_HUB_ID || "edoc";
  if (!HUB_ID.test(hubId))
    throw new ConfigError(`EDOC_HUB_ID must match ${HUB_ID}, got ${JSON.stringify(hubId)}`);
  const hopLimit = envInt("EDOC_HOP_LIMIT", 8, env);
  if (hopLimit < 1 || hopLimit > 32) throw new ConfigError("EDOC_HOP_LIMIT must be 1…32");
  return { hubId, hopLimit, upstream: loadUpstream(env) };
}

function loadUpstream(env: NodeJS.ProcessEnv): UpstreamConfig | undefined {
  const endpoint = env.EDOC_UPSTREAM_URL;
  if (endpoint === undefined || endpoint === "") return undefined;
  if (!/^https:\/\/[^/\s]+$/.test(endpoint)) {
    throw new ConfigError(
      `EDOC_UPSTREAM_URL must be https://host:port, got ${JSON.stringify(endpoint)}`,
    );
  }
  const systemId = env.EDOC_UPSTREAM_SYSTEM_ID;
  if (!systemId) throw new ConfigError("EDOC_UPSTREAM_URL needs EDOC_UPSTREAM_SYSTEM_ID");
  const secret = file("EDOC_UPSTREAM_SECRET_FILE", env)?.trim();
  if (!secret)
    throw new ConfigError("EDOC_UPSTREAM_URL needs EDOC_UPSTREAM_SECRET_FILE (a non-empty file)");
  const cert = file("EDOC_UPSTREAM_CLIENT_CERT", env);
  const key = file("EDOC_UPSTREAM_CLIENT_KEY", env);
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError("EDOC_UPSTREAM_CLIENT_CERT and EDOC_UPSTREAM_CLIENT_KEY go together");
  }
  return {
    endpoint,
    systemId,
    secret,
    ca: file("EDOC_UPSTREAM_CA", env),
    cert,
    key,
    pollMs: envInt("EDOC_UPSTREAM_POLL_MS", 2000, env),
    syncMs: envInt("EDOC_UPSTREAM_SYNC_MS", 3_600_000, env),
    timeoutMs: envInt("EDOC_UPSTREAM_TIMEOUT_MS", 30_000, env),
  };
}
