/**
 * Failed logins are counted per username (`user:…` keys) and per client address (`ip:…`) over a
 * sliding window; once either reaches its limit, further attempts are refused (429) without
 * checking the password until the oldest failure leaves the window. A success clears the
 * username's count. Counting usernames stops many clients from guessing one password; counting
 * addresses (with a limit four times higher by default, since colleagues share an address
 * behind NAT) stops one client from trying many usernames. Attempts are also serialized (one
 * argon2 verification at a time), so a flood costs the console one core at most.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: {
      attempts: number;
      windowMs: number;
      /** per client address; default 4 × attempts */
      addressAttempts?: number;
      now?: () => number;
    },
  ) {}

  private limit(key: string): number {
    return key.startsWith("ip:")
      ? (this.opts.addressAttempts ?? this.opts.attempts * 4)
      : this.opts.attempts;
  }

  private time(): number {
    return (this.opts.now ?? Date.now)();
  }

  private recent(key: string): number[] {
    const t = this.time();
    const list = (this.failures.get(key) ?? []).filter((x) => t - x < this.opts.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Seconds to wait before `keys` may try again; 0 = allowed now. */
  retryAfter(keys: readonly string[]): number {
    let wait = 0;
    for (const key of keys) {
      const list = this.recent(key);
      const limit = this.limit(key);
      const oldest = list[list.length - limit];
      if (list.length >= limit && oldest !== undefined) {
        wait = Math.max(wait, oldest + this.opts.windowMs - this.time());
      }
    }
    return wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : 0;
  }

  fail(keys: readonly string[]): void {
    const t = this.time();
    for (const key of keys) {
      const list = this.recent(key);
      list.push(t);
      this.failures.set(key, list.slice(-this.limit(key)));
    }
    if (this.failures.size > 100_000) this.failures.clear();
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  /** Runs `fn` after every earlier attempt has finished. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
