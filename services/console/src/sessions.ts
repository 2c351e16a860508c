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

/** Where sessions live: the archive in production (shared-state.ts), memory in one process. */
export interface SessionStore {
  create(username: string, role: Role): Promise<{ id: string; session: Session }>;
  /** The live session for `id`, its idle timer restarted; undefined when unknown or expired. */
  get(id: string | undefined): Promise<Session | undefined>;
  destroy(id: string | undefined): Promise<void>;
}

/**
 * Server-side sessions in memory, for a console run alone (tests, a demo). The browser holds only a random 256-bit id; the map is keyed
 * by its SHA-256, so neither a heap dump nor lookup timing gives ids away. A session ends
 * after `idleMs` without a request and `maxMs` after login, whichever comes first; a restart
 * of the console ends every session (ArchiveSessions keeps them).
 */
export class Sessions implements SessionStore {
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

  async create(username: string, role: Role): Promise<{ id: string; session: Session }> {
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

  async get(id: string | undefined): Promise<Session | undefined> {
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

  async destroy(id: string | undefined): Promise<void> {
    if (id !== undefined) this.map.delete(this.key(id));
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
