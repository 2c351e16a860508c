import { windowWaitMs, withFailure } from "@edoc/ratelimit";

/** The console's login limit, wherever its counts are kept. */
export interface LoginLimit {
  /** Seconds to wait before `keys` may try again; 0 = allowed now. */
  retryAfter(keys: readonly string[]): Promise<number>;
  fail(keys: readonly string[]): Promise<void>;
  succeed(key: string): Promise<void>;
  /** Runs `fn` after every earlier attempt of this process has finished. */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
}

export interface LoginLimitOptions {
  /** failures allowed per username within the window */
  attempts: number;
  windowMs: number;
  /** per client address; default 4 × attempts */
  addressAttempts?: number;
}

/** The limit of a `user:…` or `ip:…` key. */
export function loginLimit(opts: LoginLimitOptions, key: string): number {
  return key.startsWith("ip:") ? (opts.addressAttempts ?? opts.attempts * 4) : opts.attempts;
}

/** Ms to wait → whole seconds for Retry-After (at least 1 when there is any wait). */
export function waitSeconds(ms: number): number {
  return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0;
}

/** One at a time, in call order: argon2 verifications never pile up on the cores. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Failed logins are counted per username (`user:…` keys) and per client address (`ip:…`) over a
 * sliding window; once either reaches its limit, further attempts are refused (429) without
 * checking the password until the oldest failure leaves the window. A success clears the
 * username's count. Counting usernames stops many clients from guessing one password; counting
 * addresses (with a limit four times higher by default, since colleagues share an address
 * behind NAT) stops one client from trying many usernames. Attempts are also serialized (one
 * argon2 verification at a time), so a flood costs the console one core at most.
 * In memory, for one process; ArchiveLoginLimiter (shared-state.ts) keeps the counts in the
 * archive for every instance.
 */
export class LoginLimiter implements LoginLimit {
  private readonly failures = new Map<string, number[]>();
  private readonly serial = new Serial();

  constructor(private readonly opts: LoginLimitOptions & { now?: () => number }) {}

  private time(): number {
    return (this.opts.now ?? Date.now)();
  }

  async retryAfter(keys: readonly string[]): Promise<number> {
    const t = this.time();
    let wait = 0;
    for (const key of keys) {
      const list = this.failures.get(key) ?? [];
      wait = Math.max(wait, windowWaitMs(list, t, this.opts.windowMs, loginLimit(this.opts, key)));
    }
    return waitSeconds(wait);
  }

  async fail(keys: readonly string[]): Promise<void> {
    const t = this.time();
    for (const key of keys) {
      const list = this.failures.get(key) ?? [];
      this.failures.set(key, withFailure(list, t, this.opts.windowMs, loginLimit(this.opts, key)));
    }
    if (this.failures.size > 100_000) this.failures.clear();
  }

  async succeed(key: string): Promise<void> {
    this.failures.delete(key);
  }

  serialize<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial.run(fn);
  }
}
