import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Role } from "./users.js";

export interface Session {
  username: string;
  role: Role;
  /** synchronizer token for this session's forms */
  csrf: string;
  createdAt: number;
  lastSeen: number;
}

export interface SessionOptions {
  idleMs: number;
  maxMs: number;
  /** sessions kept at most (the oldest is dropped beyond it) */
  maxSessions?: number;
  now?: () => number;
}

/** 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Constant-time comparison of two tokens (different lengths compare false). */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * Server-side sessions in memory. The browser holds only a random 256-bit id; the map is keyed
 * by its SHA-256, so neither a heap dump nor lookup timing gives ids away. A session ends
 * after `idleMs` without a request and `maxMs` after login, whichever comes first; a restart
 * of the console ends every session.
 */
export class Sessions {
  private readonly map = new Map<string, Session>();
  private readonly now: () => number;
  private readonly maxSessions: number;

  constructor(private readonly opts: SessionOptions) {
    this.now = opts.now ?? Date.now;
    this.maxSessions = opts.maxSessions ?? 10_000;
  }

  private key(id: string): string {
    return createHash("sha256").update(id).digest("hex");
  }

  create(username: string, role: Role): { id: string; session: Session } {
    this.sweep();
    while (this.map.size >= this.maxSessions) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
    const id = newToken();
    const t = this.now();
    const session: Session = { username, role, csrf: newToken(), createdAt: t, lastSeen: t };
    this.map.set(this.key(id), session);
    return { id, session };
  }

  /** The live session for `id`, its idle timer restarted; undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || id.length > 128) return undefined;
    const key = this.key(id);
    const s = this.map.get(key);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeen > this.opts.idleMs || t - s.createdAt > this.opts.maxMs) {
      this.map.delete(key);
      return undefined;
    }
    s.lastSeen = t;
    return s;
  }

  destroy(id: string | undefined): void {
    if (id !== undefined) this.map.delete(this.key(id));
  }

  /** Ends every session of a user (removed from the users file, or role changed). */
  destroyUser(username: string): void {
    for (const [k, s] of this.map) if (s.username === username) this.map.delete(k);
  }

  /** Drops expired sessions. */
  sweep(): void {
    const t = this.now();
    for (const [k, s] of this.map) {
      if (t - s.lastSeen > this.opts.idleMs || t - s.createdAt > this.opts.maxMs)
        this.map.delete(k);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

/** A session with the one-shot message the next page shows (after a form's redirect). */
export type FlashSession = Session & { flash?: { kind: "ok" | "error"; text: string } };
