import { createServer, type Server } from "node:http";
import { createDevPki, type DevPkiState, issueCrl } from "@edoc/pki";
import { crlValidity } from "@edoc/signature";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RevocationFetcher } from "../src/revocation.js";

// The fetcher against a real HTTP server: what it holds, what it keeps when the server
// misbehaves, and that it fetches again before a CRL's nextUpdate.
let pki: DevPkiState;
let server: Server;
let base = "";
let current = "";
let status = 200;
let hits = 0;

beforeAll(async () => {
  pki = await createDevPki();
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(status);
    res.end(status === 200 ? current : "broken");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const log = pino({ level: "silent" });

describe("RevocationFetcher", () => {
  it("fetches on first use, keeps the CRL held when the server fails, counts the failure", async () => {
    current = await issueCrl(pki);
    const failures: string[] = [];
    const changes: number[] = [];
    const f = new RevocationFetcher({
      refreshMs: 60_000,
      timeoutMs: 2_000,
      log,
      onChange: () => changes.push(Date.now()),
      onFailure: (kind, url) => failures.push(`${kind} ${url}`),
    });
    const url = `${base}/issuing.crl`;
    const [held] = await f.crls([url]);
    expect(held?.pem).toBe(current);
    expect(changes).toHaveLength(1);

    status = 500;
    await f.crls([`${base}/other.crl`]);
    expect(failures).toEqual([`crl ${base}/other.crl`]);
    expect((await f.crls([url]))[0]?.pem).toBe(current);
    await expect(f.ocsp(`${base}/ocsp`, new Uint8Array([1]))).rejects.toThrow(/HTTP 500/);
    expect(failures).toContain(`ocsp ${base}/ocsp`);
    status = 200;
    f.stop();
  });

  it("fetches again a minute before nextUpdate when that comes before the next round", async () => {
    const soon = new Date(Date.now() + 61_500);
    current = await issueCrl(pki, { nextUpdate: soon });
    const f = new RevocationFetcher({ refreshMs: 600_000, timeoutMs: 2_000, log });
    const url = `${base}/soon.crl`;
    await f.crls([url]);
    const fresh = await issueCrl(pki);
    current = fresh;
    // Nothing asks for it again: only the timer set from its nextUpdate can replace it.
    await vi.waitFor(() => expect(f.current().find((c) => c.url === url)?.pem).toBe(fresh), {
      timeout: 10_000,
      interval: 200,
    });
    expect(crlValidity([fresh])[0]?.nextUpdate?.getTime()).toBeGreaterThan(soon.getTime());
    expect(hits).toBeGreaterThan(0);
    f.stop();
  });
});
