import { randomBytes } from "node:crypto";

/** Connection settings for the real servers that infra/test.sh starts (same env vars as the services). */
export const amqpUrl = process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const mongoUrl =
  process.env.EDOC_MONGO_URL ??
  "mongodb://127.0.0.1:27017/?retryWrites=false&directConnection=true";

/** A name unique to this test run, so parallel files and a running demo hub never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/**
 * Polls `probe` until it returns a value (anything but undefined) and returns it; fails with
 * `what` after `ms`. Things the hub does asynchronously (deliveries, refreshed gauges, fired
 * alerts) are awaited this way, never with fixed sleeps.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${ms} ms)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
