import type { ConsoleSession, RpcParamsOf, RpcResultOf } from "@edoc/messages";
import { windowWaitMs, withFailure } from "@edoc/ratelimit";
import { casUpdate, type Versioned } from "./cas.js";
import type { Collections } from "./collections.js";
import type { Ctx } from "./context.js";

/**
 * The console's sessions and failed-login counts (console.sessions.*, console.logins.*): rows
 * here so that every console instance shares them and a restart keeps them. Expiry is this
 * process's clock; rows past `expiresAt` are ignored when read and removed by `sweepExpired`.
 */

/** `_id` = SHA-256 of the session id (the browser alone has the id). */
export interface ConsoleSessionDoc extends ConsoleSession {
  _id: string;
  idleMs: number;
  maxMs: number;
  expiresAt: Date;
}

/** `_id` = `user:…` or `ip:…`; the failure instants (ms) still inside the window. */
export interface LoginFailuresDoc extends Versioned {
  failures: number[];
  expiresAt: Date;
}

/** A restarted idle timer is written at most this often: a page's every request need not write. */
const TOUCH_MS = 5_000;

function expiry(s: { createdAt: number; lastSeen: number; idleMs: number; maxMs: number }): Date {
  return new Date(Math.min(s.lastSeen + s.idleMs, s.createdAt + s.maxMs));
}

function view(d: ConsoleSessionDoc): ConsoleSession {
  return {
    username: d.username,
    role: d.role,
    csrf: d.csrf,
    createdAt: d.createdAt,
    lastSeen: d.lastSeen,
  };
}

export async function createSession(
  ctx: Ctx,
  p: RpcParamsOf<"console.sessions.create">,
): Promise<RpcResultOf<"console.sessions.create">> {
  const t = Date.now();
  const row = {
    _id: p.key,
    username: p.username,
    role: p.role,
    csrf: p.csrf,
    createdAt: t,
    lastSeen: t,
    idleMs: p.idleMs,
    maxMs: p.maxMs,
  };
  const doc: ConsoleSessionDoc = { ...row, expiresAt: expiry(row) };
  await ctx.c.consoleSessions.replaceOne({ _id: p.key }, doc, { upsert: true });
  return { session: view(doc) };
}

export async function getSession(
  ctx: Ctx,
  p: RpcParamsOf<"console.sessions.get">,
): Promise<RpcResultOf<"console.sessions.get">> {
  const d = await ctx.c.consoleSessions.findOne({ _id: p.key });
  if (!d) return { session: null };
  const t = Date.now();
  if (d.expiresAt.getTime() <= t) {
    await ctx.c.consoleSessions.deleteOne({ _id: p.key });
    return { session: null };
  }
  if (t - d.lastSeen >= TOUCH_MS) {
    // Conditional on the value read: of two instances touching at once, one write is enough.
    const touched = { ...d, lastSeen: t };
    await ctx.c.consoleSessions.updateOne(
      { _id: p.key, lastSeen: d.lastSeen },
      { $set: { lastSeen: t, expiresAt: expiry(touched) } },
    );
    return { session: view(touched) };
  }
  return { session: view(d) };
}

export async function deleteSession(
  ctx: Ctx,
  p: RpcParamsOf<"console.sessions.delete">,
): Promise<RpcResultOf<"console.sessions.delete">> {
  const r = await ctx.c.consoleSessions.deleteOne({ _id: p.key });
  return { deleted: r.deletedCount === 1 };
}

function waitSeconds(ms: number): number {
  return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0;
}

export async function checkLogins(
  ctx: Ctx,
  p: RpcParamsOf<"console.logins.check">,
): Promise<RpcResultOf<"console.logins.check">> {
  const t = Date.now();
  const rows = await ctx.c.loginFailures.find({ _id: { $in: p.keys.map((k) => k.key) } }).toArray();
  let wait = 0;
  for (const { key, limit } of p.keys) {
    const row = rows.find((r) => r._id === key);
    if (row) wait = Math.max(wait, windowWaitMs(row.failures, t, p.windowMs, limit));
  }
  return { retryAfterSeconds: waitSeconds(wait) };
}

export async function failLogins(
  ctx: Ctx,
  p: RpcParamsOf<"console.logins.fail">,
): Promise<RpcResultOf<"console.logins.fail">> {
  let wait = 0;
  for (const { key, limit } of p.keys) {
    const w = await casUpdate(ctx.c.loginFailures, key, (cur) => {
      const t = Date.now();
      const failures = withFailure(cur?.failures ?? [], t, p.windowMs, limit);
      return {
        fields: { failures, expiresAt: new Date(t + p.windowMs) },
        answer: windowWaitMs(failures, t, p.windowMs, limit),
      };
    });
    wait = Math.max(wait, w);
  }
  return { retryAfterSeconds: waitSeconds(wait) };
}

export async function clearLogins(
  ctx: Ctx,
  p: RpcParamsOf<"console.logins.clear">,
): Promise<RpcResultOf<"console.logins.clear">> {
  await ctx.c.loginFailures.deleteOne({ _id: p.key });
  return {};
}

/** Removes every row past its `expiresAt` (the archive runs it every minute). */
export async function sweepExpired(c: Collections): Promise<number> {
  const gone = { expiresAt: { $lt: new Date() } };
  const r = await Promise.all([
    c.consoleSessions.deleteMany(gone),
    c.loginFailures.deleteMany(gone),
    c.rateBuckets.deleteMany(gone),
  ]);
  return r.reduce((n, x) => n + x.deletedCount, 0);
}
