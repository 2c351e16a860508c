import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";
import {
  COMMUNE,
  call,
  DEPT,
  DISTRICT,
  expectLogged,
  expectNeverStored,
  expectRefusal,
  gatewayLog,
  HOSTED,
  KHCN,
  normalLetterGoesThrough,
  OTHER,
  post,
  type Reply,
} from "./support.js";

// Rate limiting per authenticated agency, applied before the body is read, parsed or verified.
// This hub: a token every 2 s, bursts of 6. Each test drains a different agency's bucket, so none
// depends on waiting for a refill (timing stays robust on a busy machine).
const RATE = 0.5;
const BURST = 6;
const PROVINCE_OFFICE = "000.00.01.H45"; // Văn phòng UBND tỉnh
const hub = new TestHub({
  agencies: [COMMUNE, DEPT, OTHER, KHCN, DISTRICT, HOSTED, PROVINCE_OFFICE],
  actsFor: { [DISTRICT]: [HOSTED] },
  env: { EDOC_RATE_PER_SECOND: String(RATE), EDOC_RATE_BURST: String(BURST) },
});
const A = (id: string): Agent => hub.agent(id);
const MARKER = "ADV-RATE";

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectLimited(r: Reply): number {
  expectRefusal(r, 429, "RATE_LIMITED");
  const retryAfter = Number(r.headers["retry-after"]);
  expect(Number.isInteger(retryAfter), String(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(1 / RATE);
  return retryAfter;
}

/** Spends an agency's whole burst (sequentially, all answered 200). */
async function drain(who: Agent): Promise<void> {
  for (let i = 0; i < BURST; i++) {
    const r = await call(hub, { agent: who, path: "/inbox" });
    expect(r.status, r.text).toBe(200);
  }
}

describe("a token bucket per agency", () => {
  it("a burst passes, the next request is 429 RATE_LIMITED with Retry-After; other agencies are not affected", async () => {
    const burst = await Promise.all(
      Array.from({ length: BURST }, () => call(hub, { agent: A(COMMUNE), path: "/inbox" })),
    );
    expect(burst.map((r) => r.status)).toEqual(Array(BURST).fill(200));
    expectLimited(await call(hub, { agent: A(COMMUNE), path: "/inbox" }));
    expect((await call(hub, { agent: A(DEPT), path: "/inbox" })).status).toBe(200);
    await expectLogged(hub, "RATE_LIMITED");
  });

  it("after Retry-After the agency is served again", async () => {
    const wait = expectLimited(await call(hub, { agent: A(COMMUNE), path: "/inbox" }));
    await sleep(wait * 1000 + 50);
    expect((await call(hub, { agent: A(COMMUNE), path: "/inbox" })).status).toBe(200);
  });

  it("is applied before the body is read: garbage gets 429, not 400, and a valid letter is not stored", async () => {
    await drain(A(OTHER));
    const before = gatewayLog(hub).split("EDXML_NOT_WELL_FORMED").length;
    expectLimited(await post(hub, A(OTHER), "this is not XML"));
    expect(gatewayLog(hub).split("EDXML_NOT_WELL_FORMED").length).toBe(before);
    const { xml } = letterXml(OTHER, [DEPT], {
      documentId: `${OTHER},2026/01/05,1/${MARKER}-limited`,
    });
    const limited = await post(hub, A(OTHER), sign(A(OTHER), xml));
    expectLimited(limited);
    // Refused before its body was read: the connection is closed rather than drained.
    expect(limited.headers.connection).toBe("close");
  });

  it("concurrent requests: no more than the bucket holds get through", async () => {
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => call(hub, { agent: A(KHCN), path: "/documents" })),
    );
    const refilled = Math.floor(((Date.now() - started) / 1000) * RATE);
    const ok = replies.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(BURST);
    expect(ok).toBeLessThanOrEqual(BURST + refilled);
    for (const r of replies.filter((x) => x.status !== 200)) expectLimited(r);
  });

  it("the bucket belongs to the certificate's agency: a system acting for another shares one", async () => {
    await drain(A(DISTRICT));
    // Sending as the hosted commune still counts against the district's system.
    const { xml } = letterXml(HOSTED, [DEPT], {
      documentId: `${HOSTED},2026/01/05,2/${MARKER}-hosted`,
    });
    expectLimited(await post(hub, A(DISTRICT), sign(A(HOSTED), xml)));
    // The hosted commune's own certificate has its own bucket.
    expect((await call(hub, { agent: A(HOSTED), path: "/inbox" })).status).toBe(200);
  });

  it("the gateway still serves normal letters, and no rate-limited letter was stored", async () => {
    await normalLetterGoesThrough(hub, A(DEPT), A(PROVINCE_OFFICE));
    await expectNeverStored(hub, [A(DEPT), A(OTHER), A(HOSTED)], (id) => id.includes(MARKER));
  });
});
