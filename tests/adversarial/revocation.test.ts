import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mongoUrl, waitUntil } from "../support/env.js";
import { type Agent, freePort, repoRoot, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";
import {
  COMMUNE,
  call,
  DEPT,
  DISTRICT,
  eventually,
  expectRefusal,
  HOSTED,
  OTHER,
  post,
  reasonCodes,
} from "./support.js";

// Live revocation with real processes: the CA's published directory served over HTTP by
// `edoc pki serve` (CRL distribution points), a real `openssl ocsp` responder answering from the index that
// `edoc pki revoke` rewrites, and a responder address nobody listens on. The gateway is never
// restarted to see a revocation.
//   COMMUNE  CRL distribution point only: revoked with `edoc pki revoke`
//   HOSTED   OCSP responder only (openssl ocsp): revoked the same way
//   OTHER    an OCSP responder that does not answer: fail closed, then soft-fail for its CA
// DISTRICT relays letters for all three, so their signatures are judged after their own
// client certificates are refused.
const REFRESH_MS = 1_000;
const sitePort = await freePort();
const crlBase = `http://127.0.0.1:${sitePort}`;
const ocspPort = await freePort();
const ocspUrl = `http://127.0.0.1:${ocspPort}`;
const deadOcspUrl = `http://127.0.0.1:${await freePort()}`;
const hub = new TestHub({
  agencies: [DEPT, DISTRICT, COMMUNE, HOSTED, OTHER],
  actsFor: { [DISTRICT]: [COMMUNE, HOSTED, OTHER] },
  pki: { publication: { crlBaseUrl: crlBase } },
  publicationFor: (organId) =>
    organId === HOSTED ? { ocspUrl } : organId === OTHER ? { ocspUrl: deadOcspUrl } : undefined,
  env: { EDOC_CRL_FILES: "", EDOC_CRL_REFRESH_MS: String(REFRESH_MS) },
});
const pkiDir = join(hub.dir, "pki");
const published = join(pkiDir, "published");
const cli = join(repoRoot, "packages", "cli", "dist", "main.js");
let site: ChildProcess | undefined;
let responder: ChildProcess | undefined;
let counter = 0;
const A = (id: string): Agent => hub.agent(id);

function letter(from: string): string {
  counter++;
  return letterXml(from, [DEPT], { documentId: `${from},2026/01/05,${counter}/REV-${counter}` })
    .xml;
}

/** `edoc verify --live --json` of a packet signed by `agent`: exit code and report. */
function verifyLive(agent: Agent, from: string) {
  const file = join(hub.dir, `live-${++counter}.edxml`);
  writeFileSync(file, sign(agent, letter(from)));
  const trust = join(hub.dir, "chain.pem");
  const r = spawnSync(
    process.execPath,
    [cli, "verify", file, "--trust", trust, "--live", "--json"],
    {
      encoding: "utf8",
    },
  );
  const report = JSON.parse(r.stdout) as {
    reasons: { code: string }[];
    crlsUsed: { url?: string }[];
    ocspUsed?: { responder: string; status: string }[];
  };
  return { code: r.status, report };
}

/** The real `edoc pki` command on the hub's PKI directory. */
function edocPki(...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, "pki", ...args, "--dir", pkiDir], {
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

function metrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: hub.opsPort, path: "/metrics" }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c.toString("utf8");
      });
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A long-running helper process, once it has said `ready` on `stream`. */
async function started(child: ChildProcess, stream: "stdout" | "stderr", ready: string) {
  let said = "";
  child[stream]?.on("data", (c: Buffer) => {
    said += c.toString("utf8");
  });
  await waitUntil(`${ready} (${child.spawnfile})`, async () =>
    said.includes(ready) ? true : undefined,
  );
  return child;
}

beforeAll(async () => {
  mkdirSync(published, { recursive: true });
  site = await started(
    spawn(process.execPath, [cli, "pki", "serve", "--dir", pkiDir, "--port", String(sitePort)], {
      stdio: ["ignore", "pipe", "inherit"],
    }),
    "stdout",
    "serving",
  );
  await hub.start();
  // The state the CLI works on, then its first publication (CRLs and the OCSP index).
  writeFileSync(join(pkiDir, "pki.json"), JSON.stringify(hub.pki), { mode: 0o600 });
  edocPki("crl");
  writeFileSync(join(pkiDir, "issuing-ca.pem"), hub.pki.issuing.certificatePem);
  writeFileSync(join(pkiDir, "issuing-key.pem"), hub.pki.issuing.privateKeyPem, { mode: 0o600 });
  responder = await started(
    spawn(
      "openssl",
      [
        "ocsp",
        ...["-index", join(published, "index.txt")],
        // openssl ocsp takes a port only (it listens on every interface); it is asked on loopback.
        ...["-port", String(ocspPort)],
        ...["-CA", join(pkiDir, "issuing-ca.pem")],
        ...["-rsigner", join(pkiDir, "issuing-ca.pem")],
        ...["-rkey", join(pkiDir, "issuing-key.pem")],
        "-ignore_err",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    ),
    "stderr",
    "waiting for OCSP client connections",
  );
}, 120_000);

afterAll(async () => {
  responder?.kill();
  site?.kill();
  await hub.stop();
});

describe("CRLs fetched from the distribution points", () => {
  it("a certificate revoked with edoc pki revoke is refused within a refresh interval, no restart", async () => {
    const before = await post(hub, A(COMMUNE), sign(A(COMMUNE), letter(COMMUNE)));
    expect(before.status, before.text).toBe(202);

    expect(edocPki("revoke", "--organ", COMMUNE, "--reason", "keyCompromise")).toMatch(
      /republished/,
    );
    const refused = await eventually(
      () => call(hub, { agent: A(COMMUNE), path: "/inbox" }),
      (r) => r.status === 401,
      "the revoked client certificate refused",
      10 * REFRESH_MS,
    );
    expect(expectRefusal(refused, 401, "CLIENT_CERT_UNTRUSTED").message).toMatch(/CERT_REVOKED/);
    const relayed = await post(hub, A(DISTRICT), sign(A(COMMUNE), letter(COMMUNE)));
    expect(reasonCodes(expectRefusal(relayed, 422, "SIGNATURE_UNTRUSTED"))).toContain(
      "CERT_REVOKED",
    );
    // An agency checking offline with the same live data: `edoc verify --live`.
    const checked = verifyLive(A(COMMUNE), COMMUNE);
    expect(checked.code).toBe(1);
    expect(checked.report.reasons.map((r) => r.code)).toEqual(["CERT_REVOKED"]);
    expect(checked.report.crlsUsed.map((c) => c.url)).toContain(`${crlBase}/issuing.crl`);
    // Others under the same CA still pass with the republished CRL.
    const other = await post(hub, A(DISTRICT), sign(A(DISTRICT), letter(DISTRICT)));
    expect(other.status, other.text).toBe(202);
  });

  it("the fetched CRLs are in the expiry gauges, labelled with their distribution point", async () => {
    const text = await metrics();
    for (const file of ["issuing.crl", "root.crl"]) {
      const line = text
        .split("\n")
        .find(
          (l) => l.startsWith("edoc_crl_next_update_seconds{") && l.includes(`${crlBase}/${file}`),
        );
      expect(line, file).toBeDefined();
      expect(Number(line!.slice(line!.lastIndexOf(" ") + 1))).toBeGreaterThan(0);
    }
  });
});

describe("OCSP (openssl ocsp on loopback)", () => {
  it("a good answer accepts; after edoc pki revoke the responder's revoked answer refuses", async () => {
    const good = await post(hub, A(HOSTED), sign(A(HOSTED), letter(HOSTED)));
    expect(good.status, good.text).toBe(202);

    edocPki("revoke", "--organ", HOSTED);
    // openssl ocsp re-reads its index when the file changes; each check asks it afresh.
    const relayed = await eventually(
      () => post(hub, A(DISTRICT), sign(A(HOSTED), letter(HOSTED))),
      (r) => r.status === 422,
      "the OCSP-revoked signer refused",
      10_000,
    );
    const refusal = expectRefusal(relayed, 422, "SIGNATURE_UNTRUSTED");
    expect(reasonCodes(refusal)).toContain("CERT_REVOKED");
    expect(refusal.message).toContain(`OCSP ${ocspUrl}`);
    const direct = await call(hub, { agent: A(HOSTED), path: "/inbox" });
    expect(expectRefusal(direct, 401, "CLIENT_CERT_UNTRUSTED").message).toMatch(/CERT_REVOKED/);
    const checked = verifyLive(A(HOSTED), HOSTED);
    expect(checked.code).toBe(1);
    expect(checked.report.ocspUsed).toEqual([
      { responder: ocspUrl, status: "revoked", producedAt: expect.any(String) },
    ]);
  });
});

describe("an unreachable responder follows the CA's policy", () => {
  it("fail closed (the default): REVOCATION_UNAVAILABLE, counted as an OCSP failure", async () => {
    const direct = await call(hub, { agent: A(OTHER), path: "/inbox" });
    expect(expectRefusal(direct, 401, "CLIENT_CERT_UNTRUSTED").message).toMatch(
      /REVOCATION_UNAVAILABLE/,
    );
    const relayed = await post(hub, A(DISTRICT), sign(A(OTHER), letter(OTHER)));
    expect(reasonCodes(expectRefusal(relayed, 422, "SIGNATURE_UNTRUSTED"))).toEqual([
      "REVOCATION_UNAVAILABLE",
    ]);
    expect(await metrics()).toMatch(
      /edoc_revocation_fetch_failures_total\{[^}]*kind="ocsp"[^}]*\} [1-9]/,
    );
  });

  it("soft-fail for the issuing CA: accepted, with the warning in the answer", async () => {
    const ca = new X509Certificate(hub.pki.issuing.certificatePem);
    const fingerprint = createHash("sha256").update(ca.raw).digest("hex");
    await hub.stopService("gateway");
    hub.setEnv({ EDOC_REVOCATION_SOFT_FAIL: fingerprint });
    hub.startService("gateway");
    await hub.waitHealthy();

    const r = await post(hub, A(OTHER), sign(A(OTHER), letter(OTHER)));
    expect(r.status, r.text).toBe(202);
    const body = r.json<{ hubDocumentId: string; warnings?: { code: string }[] }>();
    expect(body.warnings?.map((w) => w.code)).toEqual(["REVOCATION_UNAVAILABLE"]);
    // Recorded with the packet, not only answered.
    const db = await MongoClient.connect(mongoUrl);
    try {
      const row = await db
        .db(hub.dbName)
        .collection<{ _id: string; signer: { warnings?: { code: string }[] } }>("packets")
        .findOne({ _id: body.hubDocumentId });
      expect(row?.signer.warnings?.map((w) => w.code)).toEqual(["REVOCATION_UNAVAILABLE"]);
    } finally {
      await db.close();
    }
    // Soft-fail covers unavailable data only: a revoked certificate stays refused.
    const revoked = await waitUntil("the relayed revoked letter judged", async () => {
      const reply = await post(hub, A(DISTRICT), sign(A(COMMUNE), letter(COMMUNE)));
      return reply.status === 422 ? reply : undefined;
    });
    expect(reasonCodes(expectRefusal(revoked, 422, "SIGNATURE_UNTRUSTED"))).toContain(
      "CERT_REVOKED",
    );
  });
});
