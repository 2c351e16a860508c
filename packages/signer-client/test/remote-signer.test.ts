import { generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { Bus } from "@edoc/bus";
import { RemoteSigner, SignerUnavailableError } from "@edoc/signer-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Against the real RabbitMQ; the test serves signer.rpc itself with a key in memory (the signer
// service does the same with its PKCS#11 token, see services/signer/test/token.test.ts).
const url = process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const prefix = `t-signer-${randomBytes(4).toString("hex")}`;
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
let caller: Bus;
let server: Bus;

beforeAll(async () => {
  caller = await Bus.connect({ url, prefix });
  server = await Bus.connect({ url, prefix });
});
afterAll(async () => {
  await caller.deleteAll();
  await caller.close();
  await server.close();
});

describe("RemoteSigner", () => {
  it("answers SIGNER_UNAVAILABLE after its tries when nobody serves signer.rpc", async () => {
    const signer = new RemoteSigner(caller, { timeoutMs: 300, attempts: 2 });
    await expect(signer.signRsaSha256(Buffer.from("x"))).rejects.toBeInstanceOf(
      SignerUnavailableError,
    );
  });

  it("sends what is asked in one tick as one batch, each signature in its place", async () => {
    const batches: number[] = [];
    await server.serve("signer.rpc", async (_method, params) => {
      const { data } = params as { data: string[] };
      batches.push(data.length);
      return {
        signatures: data.map((d) =>
          sign("sha256", Buffer.from(d, "base64"), keys.privateKey).toString("base64"),
        ),
      };
    });
    const signer = new RemoteSigner(caller);
    const items = Array.from({ length: 70 }, (_, i) => Buffer.from(`receipt ${i}`));
    const sigs = await Promise.all(items.map((d) => signer.signRsaSha256(d)));
    items.forEach((d, i) => {
      expect(verify("sha256", d, keys.publicKey, sigs[i] as Buffer)).toBe(true);
    });
    // 70 in one tick: a full batch of 64 and the rest.
    expect(batches).toEqual([64, 6]);
  });
});
