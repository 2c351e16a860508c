import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "@edoc/runtime";
import { parseArgon2id } from "./password.js";

export type Role = "operator" | "auditor";
export const ROLES: readonly Role[] = ["operator", "auditor"];

export interface User {
  username: string;
  passwordHash: string;
  role: Role;
}

export const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** `{ "users": [{ "username", "passwordHash", "role" }] }`, validated; errors name the entry. */
export function parseUsers(raw: unknown, file: string): Map<string, User> {
  if (typeof raw !== "object" || raw === null || !Array.isArray((raw as { users?: unknown }).users))
    throw new ConfigError(`${file}: expected { "users": [...] }`);
  const out = new Map<string, User>();
  (raw as { users: unknown[] }).users.forEach((u, i) => {
    const where = `${file}: users[${i}]`;
    if (typeof u !== "object" || u === null) throw new ConfigError(`${where} is not an object`);
    const { username, passwordHash, role } = u as Record<string, unknown>;
    if (typeof username !== "string" || !USERNAME.test(username))
      throw new ConfigError(`${where}.username must be 1-64 of A-Z a-z 0-9 . _ @ -`);
    if (typeof passwordHash !== "string" || parseArgon2id(passwordHash) === undefined)
      throw new ConfigError(
        `${where}.passwordHash must be an argon2id PHC string ($argon2id$v=19$…)`,
      );
    if (role !== "operator" && role !== "auditor")
      throw new ConfigError(`${where}.role must be "operator" or "auditor"`);
    const key = username.toLowerCase();
    if (out.has(key)) throw new ConfigError(`${where}: username ${username} appears twice`);
    out.set(key, { username, passwordHash, role });
  });
  return out;
}

/**
 * The users file, re-read when it changes (checked at most once a second), so that
 * `edoc console add-user` and removals take effect without a restart. A file that becomes
 * unreadable or invalid keeps the last good list (and the error is reported once per change).
 */
export class UserStore {
  private users: Map<string, User>;
  private stamp: string;
  private checkedAt = 0;

  constructor(
    private readonly file: string,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    this.stamp = this.fileStamp();
    this.users = this.read();
  }

  private fileStamp(): string {
    try {
      const s = statSync(this.file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return "missing";
    }
  }

  private read(): Map<string, User> {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, "utf8"));
    } catch (err) {
      throw new ConfigError(`cannot read users file ${this.file}: ${(err as Error).message}`);
    }
    return parseUsers(raw, this.file);
  }

  private refresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < 1_000) return;
    this.checkedAt = now;
    const stamp = this.fileStamp();
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      this.users = this.read();
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** The user as the file says now (usernames are case-insensitive). */
  get(username: string): User | undefined {
    this.refresh();
    return this.users.get(username.toLowerCase());
  }

  get size(): number {
    return this.users.size;
  }
}
