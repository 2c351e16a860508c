import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createDevPki } from "@edoc/pki";
import { type SignedChainHead, sha256Hex, timestampedHeadBytes } from "@edoc/receipts";
import { verifyTimestampToken } from "@edoc/timestamp";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edoc } from "../support/cli.js";
import { amqpUrl, waitUntil } from "../support/env.js";
import { type Agent, api, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";
import { OpensslTsa } from "../support/tsa.js";

// Timestamped chain heads end to end: the archive asks a real RFC 3161 TSA (openssl ts -reply,
// its own CA, as a third-party TSA would be) for a token on every signed head; agencies read
// them from GET /api/v1/chain/heads; the evidence bundle carries them and `edoc evidence verify`
// checks them offline. With the TSA down, heads are still signed and stored, and stamped later.
const COMMUNE = "000.20.30.H45";
const DISTRICT = "000.00.30.H45";

const tsa = new OpensslTsa();
let tsaRoot = "";
let hub: TestHub;
const A = (id: string): Agent => hub.agent(id);

async function heads(since = -1): Promise<SignedChainHead[]> {
  const r = await api(hub, A(DISTRICT), "GET", `/chain/heads?since=${since}&limit=1000`);
  expect(r.status).toBe(200);
  return (r.json() as { heads: SignedChainHead[] }).heads;
}

async function send(subject: string): Promise<{ doc: string; documentId: string }> {
  const { xml, documentId } = letterXml(COMMUNE, [DISTRICT], { subject });
  const sent = await api(hub, A(COMMUNE), "POST", "/documents", sign(A(COMMUNE), xml));
  expect(sent.status).toBe(202);
  return { doc: (sent.json() as { hubDocumentId: string }).hubDocumentId, documentId };
}

async function awaiting(): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${hub.archiveOpsPort}/metrics`)).text();
  const m = /^edoc_chain_heads_awaiting_timestamp(?:\{[^}]*\})? (\S+)$/m.exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** Rewrites head `seq`'s token in both JSON files of a bundle and fixes the manifest, as a forger would. */
function retoken(zip: Uint8Array, seq: number, token: (old: string) => string): Uint8Array {
  const files = unzipSync(zip);
  const edit = (path: string, f: (v: unknown) => void) => {
    const v = JSON.parse(strFromU8(files[path]!)) as unknown;
    f(v);
    files[path] = strToU8(JSON.stringify(v));
  };
  const fix = (h: SignedChainHead) => {
    if (h.seq === seq) h.timestampToken = token(h.timestampToken ?? "");
  };
  edit("chain-heads.json", (v) => (v as SignedChainHead[]).forEach(fix));
  edit("receipts.json", (v) => fix((v as { head: SignedChainHead }).head));
  const manifest = JSON.parse(strFromU8(files["manifest.json"]!)) as {
    files: { path: string; sha256: string; size: number }[];
  };
  for (const f of manifest.files) {
    const bytes = files[f.path]!;
    f.sha256 = sha256Hex(bytes);
    f.size = bytes.length;
  }
  files["manifest.json"] = strToU8(JSON.stringify(manifest));
  return zipSync(files);
}

beforeAll(async () => {
  // A TSA of its own CA, as a public TSA is: the auditor trusts its root explicitly.
  const tsaPki = await createDevPki({ organization: "TSA Dev PKI" });
  await tsa.init(tsaPki);
  tsaRoot = join(tsa.dir, "root.pem");
  writeFileSync(tsaRoot, tsaPki.root.certificatePem);
  await tsa.start();
  hub = new TestHub({
    agencies: [COMMUNE, DISTRICT],
    env: {
      EDOC_TSA_URL: tsa.url,
      EDOC_TSA_TIMEOUT_MS: "3000",
      EDOC_METRICS_REFRESH_MS: "500",
    },
  });
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub?.stop();
  await tsa.dispose();
});

describe("timestamped chain heads", () => {
  it("each signed head gets a token from the TSA; the heads API serves it; it verifies", async () => {
    await send("V/v dấu thời gian 1");
    const stamped = await waitUntil("a timestamped head", async () => {
      const hs = await heads();
      return hs.find((h) => h.timestampToken !== undefined);
    });
    expect(tsa.answered).toBeGreaterThan(0);
    const v = await verifyTimestampToken(
      Buffer.from(stamped.timestampToken!, "base64"),
      timestampedHeadBytes(stamped),
      { trustAnchors: [readFileSync(tsaRoot, "utf8")] },
    );
    expect(v.problems).toEqual([]);
    expect(Date.parse(v.time!)).toBeGreaterThanOrEqual(Date.parse(stamped.at) - 1000);
    // since= pages forward.
    expect((await heads(stamped.seq)).every((h) => h.seq > stamped.seq)).toBe(true);
    const bad = await api(hub, A(DISTRICT), "GET", "/chain/heads?since=x");
    expect(bad.status).toBe(400);
  });

  it("the evidence bundle carries the token; edoc evidence verify checks it offline and fails on an altered one", async () => {
    const first = (await heads()).find((h) => h.timestampToken !== undefined)!;
    const { doc } = await send("V/v dấu thời gian 2");
    const zipFile = join(hub.dir, "evidence.zip");
    const exported = await waitUntil("an export whose head is timestamped", async () => {
      const bus = ["--amqp", amqpUrl, "--prefix", hub.prefix];
      const x = await edoc("evidence", "export", "--document", doc, "-o", zipFile, ...bus);
      if (x.code !== 0) return undefined;
      const bundleHeads = JSON.parse(
        strFromU8(unzipSync(readFileSync(zipFile))["chain-heads.json"]!),
      ) as SignedChainHead[];
      return bundleHeads.every((h) => h.timestampToken !== undefined) ? bundleHeads : undefined;
    });
    const head = exported[0]!;
    expect(head.seq).toBeGreaterThan(first.seq);
    const trust = ["--trust", join(hub.dir, "chain.pem"), "--trust", tsaRoot];

    const ok = await edoc("evidence", "verify", zipFile, ...trust, "--require-timestamp");
    expect(ok.stdout).toContain("VALID");
    expect(ok.stdout).toMatch(new RegExp(`timestamp +seq ${head.seq} at \\S+ by .*TSA`));
    expect(ok.code).toBe(0);

    // The TSA outside the auditor's anchors: the timestamp does not count.
    const noTsa = await edoc("evidence", "verify", zipFile, "--trust", join(hub.dir, "chain.pem"));
    expect(noTsa.code).toBe(1);
    expect(noTsa.stdout).toContain("TSA_UNTRUSTED");

    const zip = readFileSync(zipFile);
    const flipped = join(hub.dir, "flipped.zip");
    writeFileSync(
      flipped,
      retoken(zip, head.seq, (old) => {
        const der = Buffer.from(old, "base64");
        const at = der.indexOf(Buffer.from(String(new Date().getUTCFullYear())));
        der[at + 3] = (der[at + 3] ?? 0) ^ 1;
        return der.toString("base64");
      }),
    );
    const f = await edoc("evidence", "verify", flipped, ...trust);
    expect(f.code).toBe(1);
    expect(f.stdout).toMatch(/INVALID: 1 of \d+ checks failed \(CHAIN_HEAD_TIMESTAMP\)/);

    const swapped = join(hub.dir, "swapped.zip");
    writeFileSync(
      swapped,
      retoken(zip, head.seq, () => first.timestampToken!),
    );
    const s = await edoc("evidence", "verify", swapped, ...trust);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/INVALID: 1 of \d+ checks failed \(CHAIN_HEAD_TIMESTAMP\)/);
    expect(s.stdout).toContain("IMPRINT_MISMATCH");
  }, 90_000);

  it("with the TSA down heads are still signed and stored, counted as awaiting, and stamped once it is back", async () => {
    const before = Math.max(...(await heads()).map((h) => h.seq));
    await tsa.stop();
    await send("V/v dấu thời gian 3");
    const unstamped = await waitUntil("a head signed while the TSA is down", async () => {
      const hs = await heads(before);
      return hs.find((h) => h.timestampToken === undefined);
    });
    expect(unstamped.signature).not.toBe("");
    await waitUntil("the awaiting-timestamp gauge", async () =>
      ((await awaiting()) ?? 0) >= 1 ? true : undefined,
    );
    await tsa.start(tsa.port);
    await waitUntil("every head stamped after the TSA is back", async () => {
      const hs = await heads(before);
      return hs.length > 0 && hs.every((h) => h.timestampToken !== undefined) ? true : undefined;
    });
    await waitUntil("the gauge back at 0", async () =>
      (await awaiting()) === 0 ? true : undefined,
    );
  }, 120_000);
});
