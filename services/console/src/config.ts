import {
  ConfigError,
  DEFAULT_TLS_CIPHERS,
  envInt,
  type HubConfig,
  loadHubConfig,
} from "@edoc/runtime";
import { parseWorkdays, type StuckPolicy } from "./stuck.js";

export interface ServiceEndpoint {
  name: string;
  /** loopback ops port serving /health; 0 = not known to the console */
  port: number;
}

export interface ConsoleConfig extends HubConfig {
  host: string;
  port: number;
  /** the console's own /metrics and /health (loopback) */
  opsPort: number;
  hubKeyFile: string;
  hubCertFile: string;
  /** The CAs auditors' verifications judge signatures against (EDOC_TRUST_FILE, optional). */
  trustFile: string | undefined;
  usersFile: string;
  /** a session ends after this long without a request… */
  sessionIdleMs: number;
  /** …and this long after login, whatever happens */
  sessionMaxMs: number;
  /** failed logins allowed per username and per client address within the window */
  loginAttempts: number;
  loginWindowMs: number;
  stuck: StuckPolicy;
  /** the ops endpoints whose /health the system page shows */
  services: ServiceEndpoint[];
  tlsCiphers: string;
}

const MINUTE = 60_000;

/** The default deadlines of urgent letters, minutes from availability to acknowledgement. */
export const DEFAULT_URGENT = "1:240,2:120,3:60,4:30";

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const base = loadHubConfig(env);
  if (!base.hubKeyFile || !base.hubCertFile)
    throw new ConfigError(
      "EDOC_HUB_KEY and EDOC_HUB_CERT are required (the console's TLS identity)",
    );
  const usersFile = env.EDOC_CONSOLE_USERS_FILE;
  if (!usersFile)
    throw new ConfigError(
      "EDOC_CONSOLE_USERS_FILE is required (create it with: edoc console add-user --file F --username U --role operator)",
    );
  return {
    ...base,
    hubKeyFile: base.hubKeyFile,
    hubCertFile: base.hubCertFile,
    trustFile: env.EDOC_TRUST_FILE || undefined,
    host: env.EDOC_CONSOLE_HOST || "127.0.0.1",
    port: envInt("EDOC_CONSOLE_PORT", 8444, env),
    opsPort: envInt("EDOC_CONSOLE_OPS_PORT", 9467, env),
    usersFile,
    sessionIdleMs: positive("EDOC_CONSOLE_SESSION_IDLE_MINUTES", 30, env) * MINUTE,
    sessionMaxMs: positive("EDOC_CONSOLE_SESSION_MAX_HOURS", 8, env) * 60 * MINUTE,
    loginAttempts: positive("EDOC_CONSOLE_LOGIN_ATTEMPTS", 5, env),
    loginWindowMs: positive("EDOC_CONSOLE_LOGIN_WINDOW_MINUTES", 15, env) * MINUTE,
    stuck: {
      notFetchedMs: nonNegative("EDOC_STUCK_NOT_FETCHED_MINUTES", 60, env) * MINUTE,
      notAcknowledgedMs: nonNegative("EDOC_STUCK_NOT_ACKNOWLEDGED_MINUTES", 30, env) * MINUTE,
      urgentMs: parseUrgent(env.EDOC_STUCK_URGENT_MINUTES || DEFAULT_URGENT),
      workdayEndMinutes: parseClock(env.EDOC_STUCK_WORKDAY_END || "17:00"),
      workdays: parseWorkdays(env.EDOC_STUCK_WORKDAYS || "1,2,3,4,5"),
      utcOffsetMinutes: envInt("EDOC_CONSOLE_UTC_OFFSET_MINUTES", 420, env),
      lookbackMs: positive("EDOC_STUCK_LOOKBACK_DAYS", 30, env) * 24 * 60 * MINUTE,
    },
    services: [
      { name: "gateway", port: envInt("EDOC_OPS_PORT", 9464, env) },
      { name: "archive", port: envInt("EDOC_ARCHIVE_OPS_PORT", 9465, env) },
      { name: "router", port: envInt("EDOC_ROUTER_OPS_PORT", 9466, env) },
    ],
    tlsCiphers: env.EDOC_TLS_CIPHERS || DEFAULT_TLS_CIPHERS,
  };
}

/** 0 is allowed: "at once" (every delivery in that state is listed). */
function nonNegative(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const n = envInt(name, fallback, env);
  if (n < 0) throw new ConfigError(`${name} must be 0 or more, got ${n}`);
  return n;
}

function positive(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const n = envInt(name, fallback, env);
  if (n <= 0) throw new ConfigError(`${name} must be a positive integer, got ${n}`);
  return n;
}

/** `HH:MM` → minutes after midnight. */
export function parseClock(text: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || h > 23 || min > 59)
    throw new ConfigError(`EDOC_STUCK_WORKDAY_END must be HH:MM, got ${JSON.stringify(text)}`);
  return h * 60 + min;
}

/** `1:240,2:120,…` (priority:minutes) → priority → milliseconds. */
export function parseUrgent(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const part of text.split(",")) {
    const m = /^\s*([1-4])\s*:\s*(\d+)\s*$/.exec(part);
    if (!m)
      throw new ConfigError(
        `EDOC_STUCK_URGENT_MINUTES must look like 1:240,2:120,3:60,4:30 (priority 1-4 : minutes, 0 = at once), got ${JSON.stringify(text)}`,
      );
    out.set(Number(m[1]), Number(m[2]) * MINUTE);
  }
  return out;
}
