import { createDevPki, type DevPkiState } from "@edoc/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpensslTsa } from "../../../tests/support/tsa.js";
import {
  TIMESTAMP_QUERY,
  TimestampError,
  timestampRequest,
  tokenFromResponse,
  verifyTimestampToken,
} from "../src/index.js";

let pki: DevPkiState;
let anchors: string[];
const tsa = new OpensslTsa();

async function stamp(data: Uint8Array): Promise<{ token: Uint8Array; response: Uint8Array }> {
  const req = timestampRequest(data);
  const res = await fetch(tsa.url, {
    method: "POST",
    headers: { "content-type": TIMESTAMP_QUERY },
    body: req.der,
  });
  expect(res.status).toBe(200);
  const response = new Uint8Array(await res.arrayBuffer());
  return { token: tokenFromResponse(response, req), response };
}

beforeAll(async () => {
  pki = await createDevPki();
  pki = await tsa.init(pki);
  anchors = [pki.root.certificatePem];
  await tsa.start();
});
afterAll(() => tsa.dispose());

const data = new TextEncoder().encode('{"seq":7,"hash":"ab"}');
const trust = () => ({ trustAnchors: anchors, intermediates: [pki.issuing.certificatePem] });

describe("RFC 3161 timestamps from a real openssl TSA", () => {
  it("a token verifies offline: imprint, CMS signature, TSA chain, time", async () => {
    const before = Date.now();
    const { token } = await stamp(data);
    const v = await verifyTimestampToken(token, data, trust());
    expect(v.problems).toEqual([]);
    expect(v.valid).toBe(true);
    expect(v.tsa?.subject).toContain("TSA thử nghiệm");
    const t = Date.parse(v.time ?? "");
    // openssl's genTime has whole seconds.
    expect(t).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(v.policy).toBe("1.3.6.1.4.1.57264.2.1");
  });

  it("other data: IMPRINT_MISMATCH", async () => {
    const { token } = await stamp(data);
    const v = await verifyTimestampToken(token, new TextEncoder().encode("other"), trust());
    expect(v.valid).toBe(false);
    expect(v.problems.map((p) => p.code)).toEqual(["IMPRINT_MISMATCH"]);
  });

  it("a flipped byte in the signed TSTInfo: the signature fails", async () => {
    const { token } = await stamp(data);
    const bad = Uint8Array.from(token);
    // The genTime digits sit inside the TSTInfo the TSA signed.
    const at = Buffer.from(bad).indexOf(Buffer.from(String(new Date().getUTCFullYear())));
    expect(at).toBeGreaterThan(0);
    bad[at + 3] = (bad[at + 3] ?? 0) ^ 0x01;
    const v = await verifyTimestampToken(bad, data, trust());
    expect(v.valid).toBe(false);
    expect(v.problems.map((p) => p.code)).toContain("TOKEN_SIGNATURE_INVALID");
  });

  it("a TSA outside the anchors: TSA_UNTRUSTED", async () => {
    const { token } = await stamp(data);
    const other = await createDevPki();
    const v = await verifyTimestampToken(token, data, {
      trustAnchors: [other.root.certificatePem],
    });
    expect(v.problems.map((p) => p.code)).toEqual(["TSA_UNTRUSTED"]);
  });

  it("an answer to another request is refused (imprint, nonce)", async () => {
    const { response } = await stamp(data);
    const other = timestampRequest(data);
    expect(() => tokenFromResponse(response, other)).toThrow(TimestampError);
    try {
      tokenFromResponse(response, other);
    } catch (e) {
      expect((e as TimestampError).code).toBe("TSA_RESPONSE_MISMATCH");
    }
    expect(() => tokenFromResponse(new Uint8Array([1, 2, 3]), other)).toThrow(/TimeStampResp/);
  });
});
