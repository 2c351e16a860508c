import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../support/env.js";
import { api, freePort, TestHub } from "../support/hub.js";

// Two gateway processes behind one (imagined) balancer: an agency's token bucket is the
// archive's (ratelimit.lease), so together they allow the configured burst, not twice it, and
// restarting both forgets nothing. Rate: a token every 60 s, bursts of 6 (a lease of one token
// at a time at this rate), so no refill happens within the test's few seconds.
const LIMITED = "000.00.02.H45";
const OTHER = "000.00.03.H45";
const PROBE = "000.00.04.H45";
const BURST = 6;

const hub = new TestHub({
  agencies: [LIMITED, OTHER, PROBE],
  env: { EDOC_RATE_PER_SECOND: String(1 / 60), EDOC_RATE_BURST: String(BURST) },
});
let portB = 0;
/** The same hub as seen through the second gateway. */
let viaB: TestHub;

async function startB(): Promise<void> {
  hub.startService("gateway", 2, {
    EDOC_GATEWAY_PORT: String(portB),
    EDOC_VDXP_PORT: String(await freePort()),
    EDOC_OPS_PORT: String(await freePort()),
  });
  // Readiness through an agency of its own, so the limited one's bucket is not touched.
  await waitUntil("second gateway up", async () => {
    const r = await api(viaB, hub.agent(PROBE), "GET", "/inbox").catch(() => undefined);
    return r?.status === 200 ? true : undefined;
  });
}

beforeAll(async () => {
  await hub.start();
  portB = await freePort();
  viaB = Object.assign(Object.create(hub) as TestHub, { port: portB });
  await startB();
}, 180_000);
afterAll(async () => {
  await hub.stop();
});

describe("the gateways' rate limit is shared through the archive", () => {
  it("two gateways together allow one burst per agency, and a restart of both keeps it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < BURST + 2; i++) {
      const r = await api(i % 2 ? viaB : hub, hub.agent(LIMITED), "GET", "/inbox");
      statuses.push(r.status);
    }
    expect(statuses).toEqual([...Array(BURST).fill(200), 429, 429]);
    const refused = await api(viaB, hub.agent(LIMITED), "GET", "/inbox");
    expect(refused.status).toBe(429);
    expect((refused.json() as { code: string }).code).toBe("RATE_LIMITED");
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another agency has its own bucket.
    expect((await api(hub, hub.agent(OTHER), "GET", "/inbox")).status).toBe(200);

    await hub.stopService("gateway");
    await hub.stopService("gateway#2");
    hub.startService("gateway");
    await hub.waitHealthy();
    await startB();
    for (const gw of [hub, viaB]) {
      expect((await api(gw, hub.agent(LIMITED), "GET", "/inbox")).status).toBe(429);
    }
  }, 120_000);
});
