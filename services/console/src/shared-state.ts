import { createHash } from "node:crypto";
import { type ConsoleBus, callArchive } from "./archive-client.js";
import { type LoginLimit, type LoginLimitOptions, loginLimit, Serial } from "./login-limit.js";
import { newToken, type Session, type SessionStore } from "./sessions.js";
import type { Role } from "./users.js";

/**
 * Sessions and failed-login counts kept by the archive (console.sessions.*, console.logins.*),
 * so that N console instances behind a balancer share them and a restart keeps them. The
 * archive gets the SHA-256 of a session id, never the id; it decides expiry on its own clock.
 */
/** Every page asks for its session: an archive that does not answer soon gets a 503 page. */
const LOOKUP_MS = 5_000;

export class ArchiveSessions implements SessionStore {
  constructor(
    private readonly bus: ConsoleBus,
    private readonly opts: { idleMs: number; maxMs: number },
  ) {}

  private key(id: string): string {
    return createHash("sha256").update(id).digest("hex");
  }

  async create(username: string, role: Role): Promise<{ id: string; session: Session }> {
    const id = newToken();
    const { session } = await callArchive(this.bus, "console.sessions.create", {
      key: this.key(id),
      username,
      role,
      csrf: newToken(),
      idleMs: this.opts.idleMs,
      maxMs: this.opts.maxMs,
    });
    return { id, session };
  }

  async get(id: string | undefined): Promise<Session | undefined> {
    if (id === undefined || id === "" || id.length > 128) return undefined;
    const { session } = await callArchive(
      this.bus,
      "console.sessions.get",
      { key: this.key(id) },
      LOOKUP_MS,
    );
    return session ?? undefined;
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id === undefined || id === "" || id.length > 128) return;
    await callArchive(this.bus, "console.sessions.delete", { key: this.key(id) });
  }
}

/** The login limit of login-limit.ts with its counts in the archive. */
export class ArchiveLoginLimiter implements LoginLimit {
  private readonly serial = new Serial();

  constructor(
    private readonly bus: ConsoleBus,
    private readonly opts: LoginLimitOptions,
  ) {}

  private limits(keys: readonly string[]): { key: string; limit: number }[] {
    return keys.map((key) => ({ key, limit: loginLimit(this.opts, key) }));
  }

  async retryAfter(keys: readonly string[]): Promise<number> {
    const r = await callArchive(this.bus, "console.logins.check", {
      keys: this.limits(keys),
      windowMs: this.opts.windowMs,
    });
    return r.retryAfterSeconds;
  }

  async fail(keys: readonly string[]): Promise<void> {
    await callArchive(this.bus, "console.logins.fail", {
      keys: this.limits(keys),
      windowMs: this.opts.windowMs,
    });
  }

  async succeed(key: string): Promise<void> {
    await callArchive(this.bus, "console.logins.clear", { key });
  }

  serialize<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial.run(fn);
  }
}
