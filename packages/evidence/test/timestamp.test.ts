import { type BundleReport, verifyBundle } from "@edoc/evidence";
import { createDevPki } from "@edoc/pki";
import { type SignedChainHead, timestampedHeadBytes } from "@edoc/receipts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpensslTsa } from "../../../tests/support/tsa.js";
import { build, editJson, makeWorld, tamper, type World } from "./world.js";

// The chain heads of the evidence bundle carry RFC 3161 tokens from a real TSA (openssl ts).
let w: World;
let stamped: SignedChainHead[];
let bundle: Uint8Array;
let trust: { trustAnchors: string[] };
const tsa = new OpensslTsa();

function failed(report: BundleReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.code ?? "?");
}

async function withToken(h: SignedChainHead): Promise<SignedChainHead> {
  const token = await tsa.stamp(timestampedHeadBytes(h));
  return { ...h, timestampToken: Buffer.from(token).toString("base64") };
}

/** Rewrites the token of every copy of head `seq` in the bundle (both JSON files), manifest fixed. */
function retoken(zip: Uint8Array, seq: number, token: (old: string) => string): Uint8Array {
  return tamper(zip, (files) => {
    editJson<SignedChainHead[]>(files, "chain-heads.json", (heads) => {
      for (const h of heads) if (h.seq === seq) h.timestampToken = token(h.timestampToken ?? "");
    });
    editJson<{ head: SignedChainHead }>(files, "receipts.json", (proof) => {
      if (proof.head.seq === seq)
        proof.head.timestampToken = token(proof.head.timestampToken ?? "");
    });
  });
}

beforeAll(async () => {
  w = await makeWorld();
  w.pki = await tsa.init(w.pki);
  await tsa.start();
  stamped = [await withToken(w.heads[0]!), await withToken(w.heads[1]!)];
  bundle = build(w, {
    chainHeads: stamped,
    proof: { ...w.input.proof, head: stamped[1]! },
  });
  trust = { trustAnchors: [w.pki.root.certificatePem] };
}, 60_000);
afterAll(() => tsa.dispose());

describe("timestamped chain heads in the evidence bundle", () => {
  it("verify offline: the TSA's time and name are reported", async () => {
    const report = await verifyBundle(bundle, { ...trust, requireTimestamp: true });
    expect(failed(report)).toEqual([]);
    expect(report.timestamps.map((t) => t.seq)).toEqual([13, 8]);
    for (const t of report.timestamps) {
      expect(t.tsa).toContain("TSA thử nghiệm");
      expect(Math.abs(Date.parse(t.time) - Date.now())).toBeLessThan(10 * 60_000);
    }
  });

  it("a flipped byte in a head's token fails the check", async () => {
    const flipped = retoken(bundle, 13, (old) => {
      const der = Buffer.from(old, "base64");
      // Inside the signed TSTInfo (its genTime), not in the outer framing.
      const at = der.indexOf(Buffer.from(String(new Date().getUTCFullYear())));
      der[at + 3] = (der[at + 3] ?? 0) ^ 1;
      return der.toString("base64");
    });
    const report = await verifyBundle(flipped, trust);
    expect(report.valid).toBe(false);
    expect(failed(report)).toEqual(["CHAIN_HEAD_TIMESTAMP"]);
    const check = report.checks.find((c) => c.code === "CHAIN_HEAD_TIMESTAMP");
    expect(check?.reasons?.map((r) => r.code)).toContain("TOKEN_SIGNATURE_INVALID");
  });

  it("another head's token swapped in fails the check (imprint)", async () => {
    const other = stamped[0]!.timestampToken!;
    const swapped = retoken(bundle, 13, () => other);
    const report = await verifyBundle(swapped, trust);
    expect(failed(report)).toEqual(["CHAIN_HEAD_TIMESTAMP"]);
    const check = report.checks.find((c) => c.code === "CHAIN_HEAD_TIMESTAMP");
    expect(check?.reasons?.map((r) => r.code)).toEqual(["IMPRINT_MISMATCH"]);
  });

  it("a TSA the auditor does not trust fails the check", async () => {
    // A TSA issued by another CA than the auditor's anchors.
    const foreign = new OpensslTsa();
    await foreign.init(await createDevPki());
    await foreign.start();
    try {
      const h = stamped[1]!;
      const token = await foreign.stamp(timestampedHeadBytes(h));
      const mixed = retoken(bundle, 13, () => Buffer.from(token).toString("base64"));
      const r = await verifyBundle(mixed, trust);
      expect(failed(r)).toEqual(["CHAIN_HEAD_TIMESTAMP"]);
      expect(r.checks.find((c) => c.code === "CHAIN_HEAD_TIMESTAMP")?.reasons?.[0]?.code).toBe(
        "TSA_UNTRUSTED",
      );
    } finally {
      await foreign.dispose();
    }
  });

  it("without tokens: passes, says so; fails when timestamps are required", async () => {
    const plain = build(w);
    const report = await verifyBundle(plain, trust);
    expect(report.valid).toBe(true);
    expect(report.timestamps).toEqual([]);
    const required = await verifyBundle(plain, { ...trust, requireTimestamp: true });
    expect(failed(required)).toEqual(["CHAIN_HEAD_TIMESTAMP"]);
  });
});
