import { z } from "zod";

/**
 * The console's shared state (phiên đăng nhập): sessions and failed-login counts kept by the
 * archive, so every console instance behind a balancer sees the same, and a restart keeps them.
 * The console sends only the SHA-256 of a session id (`key`): the database never holds a
 * usable cookie. Expiry is decided on the archive's clock and swept there (no TTL indexes).
 */
const key = z.string().regex(/^[0-9a-f]{64}$/, "SHA-256 hex of the session id");
const loginKey = z.string().min(1).max(200);
const ms = z
  .number()
  .int()
  .min(1_000)
  .max(7 * 24 * 3_600_000);

export const ConsoleSession = z.object({
  username: z.string().min(1).max(64),
  role: z.enum(["operator", "auditor"]),
  /** synchronizer token for this session's forms */
  csrf: z.string().min(1).max(128),
  /** ms since the epoch, the archive's clock */
  createdAt: z.number().int(),
  lastSeen: z.number().int(),
});
export type ConsoleSession = z.infer<typeof ConsoleSession>;

export const ConsoleStateRpcParams = {
  "console.sessions.create": z.object({
    key,
    username: z.string().min(1).max(64),
    role: z.enum(["operator", "auditor"]),
    csrf: z.string().min(1).max(128),
    /** ends after this long without a request… */
    idleMs: ms,
    /** …and this long after login */
    maxMs: ms,
  }),
  /** The live session, its idle timer restarted; null when unknown or expired. */
  "console.sessions.get": z.object({ key }),
  "console.sessions.delete": z.object({ key }),
  /** Seconds to wait before any of `keys` may try again (0 = now). */
  "console.logins.check": z.object({
    keys: z.array(z.object({ key: loginKey, limit: z.number().int().min(1).max(1000) })).max(4),
    windowMs: ms,
  }),
  "console.logins.fail": z.object({
    keys: z.array(z.object({ key: loginKey, limit: z.number().int().min(1).max(1000) })).max(4),
    windowMs: ms,
  }),
  "console.logins.clear": z.object({ key: loginKey }),
} as const;

export const ConsoleStateRpcResults = {
  "console.sessions.create": z.object({ session: ConsoleSession }),
  "console.sessions.get": z.object({ session: ConsoleSession.nullable() }),
  "console.sessions.delete": z.object({ deleted: z.boolean() }),
  "console.logins.check": z.object({ retryAfterSeconds: z.number().int().min(0) }),
  "console.logins.fail": z.object({ retryAfterSeconds: z.number().int().min(0) }),
  "console.logins.clear": z.object({}),
} as const;
export type ConsoleStateRpcMethod = keyof typeof ConsoleStateRpcParams;
