import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { verifyXml } from "@edoc/signature";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edoc } from "../support/cli.js";
import { amqpUrl } from "../support/env.js";
import { api, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";

// The hub's receipt key lives only in the signer's PKCS#11 token (SoftHSM2 here): the gateway
// and the archive ask for signatures over the bus. Its loss for a moment (kill -9, restart)
// loses nothing: every accepted letter carries a receipt that verifies offline.
const SENDER = "000.20.30.H45";
const RECIPIENT = "000.00.04.H45"; // Sở Khoa học và Công nghệ
const LETTERS = Number(process.env.EDOC_SIGNER_LETTERS ?? 60);

const hub = new TestHub({ agencies: [SENDER, RECIPIENT] });
let receiptCert: X509Certificate;
const spki = (k: ReturnType<typeof createPublicKey>) =>
  k.export({ type: "spki", format: "der" }).toString("base64");

beforeAll(async () => {
  await hub.start();
  receiptCert = new X509Certificate(readFileSync(join(hub.dir, "receipt.cert.pem")));
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

/** Every private key PEM under `dir` (the token's own files excepted: they hold no PEM). */
function privateKeysUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return privateKeysUnder(path);
    const text = readFileSync(path, "latin1");
    return text.includes("PRIVATE KEY-----") ? [text] : [];
  });
}

function environ(pid: number | undefined): string {
  return readFileSync(`/proc/${pid}/environ`, "utf8");
}

/** The receipt's signature verifies and is by the receipt certificate. */
async function receiptBySigner(receiptXml: string): Promise<boolean> {
  const report = await verifyXml(Buffer.from(receiptXml), {
    trustAnchors: [hub.pki.root.certificatePem],
    intermediates: [hub.pki.issuing.certificatePem],
  });
  const fp = receiptCert.fingerprint256.replaceAll(":", "").toLowerCase();
  return (
    report.signedXml !== undefined &&
    report.signer?.fingerprintSha256.replaceAll(":", "").toLowerCase() === fp
  );
}

describe("the hub key in the signer's token", () => {
  it("is nowhere on disk, and the gateway and archive cannot reach the token", () => {
    const receiptKey = spki(receiptCert.publicKey);
    const onDisk = privateKeysUnder(hub.dir).map((pem) =>
      spki(createPublicKey(createPrivateKey(pem))),
    );
    expect(onDisk.length).toBeGreaterThan(0); // the TLS key and the agencies' keys are files
    expect(onDisk).not.toContain(receiptKey);
    for (const s of ["gateway", "archive"] as const) {
      const env = environ(hub.pid(s));
      expect(env).not.toContain("EDOC_PKCS11_PIN_FILE");
      expect(env).not.toContain("SOFTHSM2_CONF");
    }
    expect(environ(hub.pid("signer"))).toContain("EDOC_PKCS11_PIN_FILE");
    // The signer checked at start that the token's key is not extractable.
    expect(readFileSync(join(hub.dir, "signer.log"), "utf8")).not.toContain("lets this key out");
  });

  it(`kill -9 of the signer during ${LETTERS} letters: every accepted letter has a valid receipt; evidence verifies offline`, async () => {
    const sender = hub.agent(SENDER);
    const packets = Array.from({ length: LETTERS }, () =>
      sign(sender, letterXml(SENDER, [RECIPIENT]).xml),
    );
    const receipts = new Map<string, string>();
    let refused = 0;
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < packets.length) {
        const i = next++;
        for (;;) {
          const r = await api(hub, sender, "POST", "/documents", packets[i]);
          if (r.status === 503) {
            // Refused whole while the signer was away (nothing stored): the sender retries.
            expect((r.json() as { code: string }).code).toBe("HUB_UNAVAILABLE");
            refused++;
            continue;
          }
          expect(r.status, r.body.toString()).toBe(202);
          const body = r.json() as { hubDocumentId: string; receipt: string };
          receipts.set(body.hubDocumentId, body.receipt);
          break;
        }
        if (!killed && receipts.size >= LETTERS / 3) {
          killed = true;
          await hub.kill("signer");
          setTimeout(() => hub.startService("signer"), 1_500);
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(killed).toBe(true);
    expect(receipts.size).toBe(LETTERS);
    for (const [doc, xml] of receipts) expect(await receiptBySigner(xml), doc).toBe(true);

    // What the archive kept is the receipt the sender got (a resubmission answers it).
    const again = await api(hub, sender, "POST", "/documents", packets[LETTERS - 1]);
    expect(again.status).toBe(200);
    const stored = again.json() as { hubDocumentId: string; receipt: string };
    expect(stored.receipt).toBe(receipts.get(stored.hubDocumentId));

    // An auditor's bundle for a letter accepted after the restart, checked offline.
    const zipFile = join(hub.dir, "signer-evidence.zip");
    const exported = await edoc(
      "evidence",
      "export",
      "--document",
      stored.hubDocumentId,
      "-o",
      zipFile,
      "--amqp",
      amqpUrl,
      "--prefix",
      hub.prefix,
    );
    expect(exported.stderr).toBe("");
    const root = join(hub.dir, "root-ca.pem");
    writeFileSync(root, hub.pki.root.certificatePem);
    const verified = await edoc("evidence", "verify", zipFile, "--trust", root);
    expect(verified.stdout).toMatch(/^VALID: evidence for doc_/);
    expect(verified.code).toBe(0);
    console.log(`signer restart: ${refused} submissions refused with 503 and retried`);
  }, 180_000);

  it("with the signer down past the retries, a letter is refused whole (503) and accepted afresh later", async () => {
    const sender = hub.agent(SENDER);
    const packet = sign(sender, letterXml(SENDER, [RECIPIENT]).xml);
    await hub.stopService("signer");
    const refused = await api(hub, sender, "POST", "/documents", packet);
    expect(refused.status).toBe(503);
    expect((refused.json() as { code: string }).code).toBe("HUB_UNAVAILABLE");
    hub.startService("signer");
    // Nothing was kept of the refused try: the same bytes are a new acceptance, not a duplicate.
    const accepted = await api(hub, sender, "POST", "/documents", packet);
    expect(accepted.status).toBe(202);
    const body = accepted.json() as { outcome: string; receipt: string };
    expect(body.outcome).toBe("accepted");
    expect(await receiptBySigner(body.receipt)).toBe(true);
  }, 60_000);
});
