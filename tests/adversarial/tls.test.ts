import { readFileSync, writeFileSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";
import {
  COMMUNE,
  call,
  DEPT,
  eventually,
  expectLogged,
  expectRefusal,
  gatewayLog,
  handshake,
  normalLetterGoesThrough,
  OTHER,
  post,
  reasonCodes,
} from "./support.js";

// The TLS layer: protocol versions and ciphers, HTTP the server cannot parse, and client
// certificates checked against the trust store and the CRL, reloaded on SIGHUP (this hub does not
// poll the files: EDOC_TRUST_RELOAD_MS=0).
const REVOKEE = OTHER; // Sở Tài chính; the department's system relays its letters
const hub = new TestHub({
  agencies: [COMMUNE, DEPT, REVOKEE],
  actsFor: { [DEPT]: [REVOKEE] },
  env: { EDOC_TRUST_RELOAD_MS: "0" },
});
const A = (id: string): Agent => hub.agent(id);
const client = (who: Agent) => ({ cert: who.certPem, key: who.keyPem });

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

/** Raw bytes on a TLS connection with a client certificate; resolves with the raw response. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port: hub.port,
      servername: "localhost",
      ca: hub.chainPem,
      ...client(A(COMMUNE)),
    });
    const chunks: Buffer[] = [];
    socket.on("secureConnect", () => socket.write(bytes));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.on("error", (err) =>
      chunks.length > 0 ? resolve(Buffer.concat(chunks).toString("utf8")) : reject(err),
    );
  });
}

describe("protocol versions and ciphers", () => {
  it("TLS 1.0 and 1.1 handshakes are refused by the server (and logged)", async () => {
    for (const maxVersion of ["TLSv1", "TLSv1.1"] as const) {
      const h = await handshake(hub, {
        ...client(A(COMMUNE)),
        minVersion: "TLSv1",
        maxVersion,
        // Node's OpenSSL would not even offer TLS < 1.2 at its default security level.
        ciphers: "DEFAULT@SECLEVEL=0",
      });
      expect(h.ok).toBe(false);
      if (!h.ok) expect(h.code).toMatch(/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
    }
    await expectLogged(hub, "TLS_HANDSHAKE_FAILED");
  });

  it("TLS 1.2 without a forward-secret AEAD suite is refused; TLS 1.2 and 1.3 with one are served", async () => {
    const weak = await handshake(hub, {
      ...client(A(COMMUNE)),
      maxVersion: "TLSv1.2",
      ciphers: "AES128-SHA256:AES256-SHA:AES128-GCM-SHA256",
    });
    expect(weak.ok).toBe(false);
    for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
      const h = await handshake(hub, {
        ...client(A(COMMUNE)),
        minVersion: version,
        maxVersion: version,
      });
      expect(h).toMatchObject({ ok: true, protocol: version, authorized: true });
      const r = await call(hub, {
        agent: A(COMMUNE),
        path: "/inbox",
        tls: { minVersion: version, maxVersion: version },
      });
      expect(r.status, r.text).toBe(200);
    }
  });
});

describe("HTTP the server cannot parse", () => {
  it("gets a JSON refusal with a code, and the connection is closed", async () => {
    const garbage = await raw("NONSENSE\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage).toContain('"code":"BAD_REQUEST"');
    const huge = await raw(
      `GET /api/v1/inbox HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toContain('"code":"HEADERS_TOO_LARGE"');
    expect((await call(hub, { agent: A(COMMUNE), path: "/inbox" })).status).toBe(200);
  });
});

describe("revocation at the TLS layer, reloaded on SIGHUP", () => {
  it("until the gateway reloads the CRL the revoked certificate still works; after SIGHUP: 401, kept-alive connections and TLS sessions included", async () => {
    const revokee = A(REVOKEE);
    const pool = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await call(hub, { agent: revokee, path: "/inbox", pool });
      expect(first.status, first.text).toBe(200);
      const session = await new Promise<Buffer | undefined>((resolve) => {
        const s = connect({
          host: "127.0.0.1",
          port: hub.port,
          servername: "localhost",
          ca: hub.chainPem,
          ...client(revokee),
          maxVersion: "TLSv1.2",
        });
        s.once("secureConnect", () => {
          const session = s.getSession();
          s.end();
          resolve(session);
        });
        s.once("error", () => resolve(undefined));
      });
      expect(session).toBeDefined();

      await hub.revoke(revokee);
      // Not reloaded yet (no polling on this hub): still served, on the old and on a new connection.
      expect((await call(hub, { agent: revokee, path: "/inbox", pool })).status).toBe(200);
      expect((await call(hub, { agent: revokee, path: "/inbox" })).status).toBe(200);

      const reloads = gatewayLog(hub).split("trust store reloaded").length;
      hub.signal("gateway", "SIGHUP");
      await eventually(
        async () => gatewayLog(hub).split("trust store reloaded").length,
        (n) => n > reloads,
        "the gateway's reload after SIGHUP",
      );

      // The kept-alive connection was closed by the reload: the pool has to handshake again.
      const pooled = await eventually(
        () => call(hub, { agent: revokee, path: "/inbox", pool }).catch(() => undefined),
        (r) => r !== undefined,
        "a reply on the pool",
      );
      expect(expectRefusal(pooled!, 401, "CLIENT_CERT_UNTRUSTED").message).toMatch(/revoked/i);
      // A TLS session from before the revocation is not resumed.
      const resumed = await new Promise<{ reused: boolean; authorized: boolean }>(
        (resolve, reject) => {
          const s = connect({
            host: "127.0.0.1",
            port: hub.port,
            servername: "localhost",
            ca: hub.chainPem,
            ...client(revokee),
            maxVersion: "TLSv1.2",
            ...(session ? { session } : {}),
          });
          s.once("secureConnect", () => {
            resolve({ reused: s.isSessionReused(), authorized: s.authorized });
            s.end();
          });
          s.once("error", reject);
        },
      );
      expect(resumed.reused).toBe(false);
    } finally {
      pool.destroy();
    }

    // A letter signed with the revoked certificate, relayed by the system acting for it.
    const { xml } = letterXml(REVOKEE, [COMMUNE]);
    const relayed = await post(hub, A(DEPT), sign(revokee, xml));
    expect(reasonCodes(expectRefusal(relayed, 422, "SIGNATURE_UNTRUSTED"))).toContain(
      "CERT_REVOKED",
    );
    // Everyone else is served as before.
    await normalLetterGoesThrough(hub, A(COMMUNE), A(DEPT));
  });

  it("an unreadable CRL on reload keeps the previous one in force", async () => {
    const crlFile = join(hub.dir, "crl.pem");
    const good = readFileSync(crlFile, "utf8");
    writeFileSync(crlFile, "-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n");
    hub.signal("gateway", "SIGHUP");
    await eventually(
      async () => gatewayLog(hub).includes("trust store reload failed"),
      Boolean,
      "the failed reload logged",
    );
    expect((await call(hub, { agent: A(COMMUNE), path: "/inbox" })).status).toBe(200);
    expectRefusal(
      await call(hub, { agent: A(REVOKEE), path: "/inbox" }),
      401,
      "CLIENT_CERT_UNTRUSTED",
    );
    writeFileSync(crlFile, good);
    const reloads = gatewayLog(hub).split("trust store reloaded").length;
    hub.signal("gateway", "SIGHUP");
    await eventually(
      async () => gatewayLog(hub).split("trust store reloaded").length,
      (n) => n > reloads,
      "the reload of the good CRL",
    );
    expect((await call(hub, { agent: A(COMMUNE), path: "/inbox" })).status).toBe(200);
    await expectLogged(hub, "CLIENT_CERT_UNTRUSTED");
  });
});
