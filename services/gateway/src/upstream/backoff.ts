/** Exponential backoff with jitter, `min` doubling up to `max` (the link's retries). */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {}

  next(): number {
    const base = Math.min(this.max, this.min * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    // ±20 %: hubs that lost the same upstream do not all come back in the same second.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  reset(): void {
    this.attempt = 0;
  }
}
