import {
  type BundleReport,
  buildBundle,
  CHECKS,
  EvidenceError,
  verifyBundle,
} from "@edoc/evidence";
import { createDevPki, issueHubCertificate } from "@edoc/pki";
import {
  chainReceipt,
  proveReceipts,
  type Receipt,
  type ReceiptProof,
  type SignedChainHead,
  signChainHead,
} from "@edoc/receipts";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ACCEPTED_AT,
  B,
  build,
  DAY,
  editJson,
  editText,
  L1,
  L2,
  makeWorld,
  NOW,
  tamper,
  type World,
} from "./world.js";

let w: World;
let bundle: Uint8Array;
let trust: { trustAnchors: string[] };

function failed(report: BundleReport): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.code ?? "?");
}

function message(report: BundleReport, code: string): string {
  return report.checks.find((c) => c.code === code)?.message ?? "";
}

beforeAll(async () => {
  w = await makeWorld();
  bundle = build(w);
  trust = { trustAnchors: [w.pki.root.certificatePem] };
}, 60_000);

describe("an untouched bundle", () => {
  it("passes every check, offline, long after the hub certificate expired", async () => {
    const report = await verifyBundle(bundle, trust);
    expect(failed(report)).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(Object.values(CHECKS));
    expect(report.manifest).toMatchObject({
      format: "edoc-evidence/1",
      hubDocumentId: L1,
      documentId: w.documentId,
      from: "000.00.12.H53",
    });
    expect(report.letter).toMatchObject({
      from: "000.00.12.H53",
      to: [B],
      documentId: w.documentId,
      subject: "V/v kết nối, liên thông phần mềm quản lý văn bản",
    });
    expect(report.letter?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(report.signer?.organIds).toEqual(["000.00.12.H53"]);
    expect(report.signer?.revocation).toBe("checked");
    expect(report.acceptance?.receivedAt).toBe(ACCEPTED_AT.toISOString());
    expect(report.chainHead?.seq).toBe(13);
    expect(report.receipts.map((r) => [r.seq, r.type])).toEqual([
      [2, "accepted"],
      [3, "routed"],
      [4, "available"],
      [7, "fetched"],
      [8, "acknowledged"],
      [11, "status"],
    ]);
    expect(report.receipts[4]).toMatchObject({ organId: B, deliveryId: "dlv_1" });
    expect(report.statuses).toEqual([
      {
        file: "statuses/1.edxml",
        from: B,
        code: "03",
        acceptedAt: expect.any(String),
        valid: true,
      },
    ]);
    // Judged as of the acceptance time: the hub certificate expired yesterday.
    expect(message(report, "HUB_CERTIFICATE")).toBe("");
    expect(report.checks.find((c) => c.name === "hub-certificate")?.message).toContain(
      ACCEPTED_AT.toISOString(),
    );
  });

  it("holds the documented layout, and the same input gives the same bytes", () => {
    const files = unzipSync(bundle);
    expect(Object.keys(files)).toEqual([
      "manifest.json",
      "letter.edxml",
      "acceptance-receipt.xml",
      "receipts.json",
      "chain-heads.json",
      "statuses/1.edxml",
      "certificates/hub.pem",
      "certificates/chain.pem",
      "crls/1.pem",
      "crls/2.pem",
    ]);
    expect(Buffer.from(files["letter.edxml"]!).equals(Buffer.from(w.letter))).toBe(true);
    const manifest = JSON.parse(strFromU8(files["manifest.json"]!)) as {
      files: { path: string }[];
    };
    expect(manifest.files.map((f) => f.path)).toEqual(Object.keys(files).slice(1));
    expect(Buffer.from(build(w)).equals(Buffer.from(bundle))).toBe(true);
  });

  it("judged now instead (--at), the expired hub certificate is reported", async () => {
    const report = await verifyBundle(bundle, { ...trust, at: new Date() });
    expect(failed(report)).toContain("HUB_CERTIFICATE");
    expect(message(report, "HUB_CERTIFICATE")).toContain("CERT_EXPIRED");
  });
});

describe("the tamper matrix: each fails with its own reason", () => {
  it("a changed byte in the letter: MANIFEST_DIGEST names letter.edxml", async () => {
    const flip = (files: Map<string, Uint8Array>) =>
      editText(files, "letter.edxml", (s) => s.replace("kết nối", "kết nốj"));
    const plain = await verifyBundle(tamper(bundle, flip, false), trust);
    // No verified signer, so no binding either.
    expect(failed(plain)).toEqual([
      "MANIFEST_DIGEST",
      "LETTER_SIGNATURE",
      "SIGNER_BINDING",
      "ACCEPTANCE_RECEIPT",
      "RECEIPTS_BELONG",
    ]);
    expect(message(plain, "MANIFEST_DIGEST")).toMatch(/^letter\.edxml: SHA-256 is [0-9a-f]{64}/);
    // A forger who also fixes the manifest is caught by the signatures.
    const forged = await verifyBundle(tamper(bundle, flip), trust);
    expect(failed(forged)).toEqual([
      "LETTER_SIGNATURE",
      "SIGNER_BINDING",
      "ACCEPTANCE_RECEIPT",
      "RECEIPTS_BELONG",
    ]);
    expect(message(forged, "LETTER_SIGNATURE")).toContain("SIGNATURE_REFERENCE_INVALID");
    expect(message(forged, "ACCEPTANCE_RECEIPT")).toContain("letter.edxml's SHA-256");
    expect(message(forged, "RECEIPTS_BELONG")).toContain("the accepted receipt (seq 2) attests");
  });

  it("a changed receipt: RECEIPT_CHAIN names the receipt (HASH_MISMATCH)", async () => {
    const zip = tamper(bundle, (files) =>
      editJson<ReceiptProof>(files, "receipts.json", (p) => {
        const ack = p.receipts.find((r) => r.type === "acknowledged")!;
        ack.at = new Date(NOW).toISOString();
      }),
    );
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual(["RECEIPT_CHAIN"]);
    expect(message(report, "RECEIPT_CHAIN")).toContain("seq 8 HASH_MISMATCH");
    expect(report.checks.find((c) => c.code === "RECEIPT_CHAIN")?.reasons).toBeUndefined();
  });

  it("a removed receipt: RECEIPT_CHAIN reports the broken link", async () => {
    const zip = tamper(bundle, (files) =>
      editJson<ReceiptProof>(files, "receipts.json", (p) => {
        p.receipts = p.receipts.filter((r) => r.seq !== 7);
      }),
    );
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual(["RECEIPT_CHAIN"]);
    expect(message(report, "RECEIPT_CHAIN")).toContain("seq 8 SEQ_GAP");
    expect(message(report, "RECEIPT_CHAIN")).toContain("seq 8 PREV_MISMATCH");
    expect(report.receipts.map((r) => r.seq)).not.toContain(7);
  });

  it("a receipt moved to another letter: RECEIPT_CHAIN (HASH_MISMATCH)", async () => {
    const zip = tamper(bundle, (files) =>
      editJson<ReceiptProof>(files, "receipts.json", (p) => {
        const ack = p.receipts.find((r) => r.seq === 8)!;
        ack.hubDocumentId = L2;
      }),
    );
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual(["RECEIPT_CHAIN"]);
    expect(message(report, "RECEIPT_CHAIN")).toContain("seq 8 HASH_MISMATCH");
  });

  it("another letter's receipt moved into this one, hashes recomputed: RECEIPT_CHAIN and RECEIPTS_BELONG", async () => {
    const zip = tamper(bundle, (files) =>
      editJson<ReceiptProof>(files, "receipts.json", (p) => {
        const rebuilt: Receipt[] = [];
        let prev = p.startsAfter;
        for (const r of p.receipts) {
          const { seq: _s, prevHash: _p, hash: _h, id: _i, ...body } = r;
          if (r.seq === 9) body.hubDocumentId = L1; // L2's fetched receipt
          const next = chainReceipt(prev, body);
          rebuilt.push(next);
          prev = next;
        }
        p.receipts = rebuilt;
      }),
    );
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual(["RECEIPT_CHAIN", "RECEIPTS_BELONG"]);
    expect(message(report, "RECEIPT_CHAIN")).toContain("the signed head is seq 13");
    expect(message(report, "RECEIPTS_BELONG")).toContain(
      "seq 9 (fetched) names delivery dlv_2, to which this letter was never routed",
    );
  });

  it("the receipts of another letter swapped in: RECEIPT_CHAIN and RECEIPTS_BELONG", async () => {
    const other = proveReceipts(w.receipts, (r) => r.hubDocumentId === L2, w.heads[1]!);
    const zip = tamper(bundle, (files) =>
      files.set("receipts.json", strToU8(JSON.stringify(other))),
    );
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual(["RECEIPT_CHAIN", "RECEIPTS_BELONG"]);
    expect(message(report, "RECEIPT_CHAIN")).toContain("not at this letter's accepted receipt");
    expect(message(report, "RECEIPTS_BELONG")).toContain("0 accepted receipts name doc_letter_one");
  });

  it("a replaced hub certificate: ACCEPTANCE_RECEIPT, HUB_CERTIFICATE, CHAIN_HEAD_SIGNATURE", async () => {
    const foreign = await createDevPki();
    const impostor = await issueHubCertificate(foreign, { name: "Trục giả mạo" });
    const swap = (pem: string) => (files: Map<string, Uint8Array>) =>
      files.set("certificates/hub.pem", strToU8(pem));
    const plain = await verifyBundle(tamper(bundle, swap(impostor.certificatePem), false), trust);
    expect(failed(plain)).toEqual([
      "MANIFEST_DIGEST",
      "ACCEPTANCE_RECEIPT",
      "HUB_CERTIFICATE",
      "CHAIN_HEAD_SIGNATURE",
    ]);
    expect(message(plain, "MANIFEST_DIGEST")).toContain("certificates/hub.pem: SHA-256");
    const forged = await verifyBundle(tamper(bundle, swap(impostor.certificatePem)), trust);
    expect(failed(forged)).toEqual([
      "ACCEPTANCE_RECEIPT",
      "HUB_CERTIFICATE",
      "CHAIN_HEAD_SIGNATURE",
    ]);
    expect(message(forged, "HUB_CERTIFICATE")).toContain("CERT_UNTRUSTED");
    // A trusted certificate of the same PKI, but not the hub's, is still caught by the keys.
    const sameCa = await verifyBundle(tamper(bundle, swap(w.agencyB.certificatePem)), trust);
    expect(failed(sameCa)).toEqual(["ACCEPTANCE_RECEIPT", "CHAIN_HEAD_SIGNATURE"]);
  });

  it("a chain head signed by another key: CHAIN_HEAD_SIGNATURE", async () => {
    const foreign = await createDevPki();
    const other = await issueHubCertificate(foreign, { name: "Khóa khác" });
    const resign = (h: SignedChainHead) => signChainHead(h, other.privateKeyPem);
    const zip = tamper(bundle, (files) => {
      editJson<ReceiptProof>(files, "receipts.json", (p) => {
        p.head = resign(p.head);
      });
      editJson<SignedChainHead[]>(files, "chain-heads.json", (hs) => {
        hs.splice(0, hs.length, ...hs.map(resign));
      });
    });
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual(["CHAIN_HEAD_SIGNATURE"]);
    expect(message(report, "CHAIN_HEAD_SIGNATURE")).toContain("head seq 13");
    expect(message(report, "CHAIN_HEAD_SIGNATURE")).toContain(
      "does not verify with the key of certificates/hub.pem",
    );
  });

  it("a stripped letter signature: LETTER_SIGNATURE says SIGNATURE_MISSING", async () => {
    const zip = tamper(bundle, (files) =>
      editText(files, "letter.edxml", (s) => s.replace(/<Signature[\s\S]*<\/Signature>/, "")),
    );
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual([
      "LETTER_SIGNATURE",
      "SIGNER_BINDING",
      "ACCEPTANCE_RECEIPT",
      "RECEIPTS_BELONG",
    ]);
    expect(message(report, "LETTER_SIGNATURE")).toContain("SIGNATURE_MISSING");
  });

  it("a stripped acceptance-receipt signature: ACCEPTANCE_RECEIPT says SIGNATURE_MISSING", async () => {
    const zip = tamper(bundle, (files) =>
      editText(files, "acceptance-receipt.xml", (s) =>
        s.replace(/<Signature[\s\S]*<\/Signature>/, ""),
      ),
    );
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual(["ACCEPTANCE_RECEIPT"]);
    expect(message(report, "ACCEPTANCE_RECEIPT")).toContain("SIGNATURE_MISSING");
  });

  it("a CRL that revokes the signer before the acceptance time: LETTER_SIGNATURE says CERT_REVOKED", async () => {
    const revoked = await makeWorld({ revokeSenderAt: new Date(ACCEPTED_AT.getTime() - DAY) });
    const report = await verifyBundle(build(revoked), {
      trustAnchors: [revoked.pki.root.certificatePem],
    });
    expect(failed(report)).toEqual(["LETTER_SIGNATURE"]);
    expect(message(report, "LETTER_SIGNATURE")).toContain("CERT_REVOKED");
    expect(message(report, "LETTER_SIGNATURE")).toContain("keyCompromise");
    // Revoked only after the hub accepted the letter: the signature held when it mattered.
    const later = await makeWorld({ revokeSenderAt: new Date(ACCEPTED_AT.getTime() + DAY) });
    const ok = await verifyBundle(build(later), { trustAnchors: [later.pki.root.certificatePem] });
    expect(failed(ok)).toEqual([]);
  }, 60_000);

  it("a letter signed by someone else than its From: SIGNER_BINDING", async () => {
    const other = await makeWorld({ letterSigner: "B" });
    const report = await verifyBundle(build(other), {
      trustAnchors: [other.pki.root.certificatePem],
    });
    expect(failed(report)).toEqual(["SIGNER_BINDING"]);
    expect(message(report, "SIGNER_BINDING")).toContain(
      "From is 000.00.12.H53 but the signer's certificate is bound to 000.00.13.H53",
    );
  }, 60_000);

  it("a changed status packet: STATUS_PACKETS", async () => {
    const zip = tamper(bundle, (files) =>
      editText(files, "statuses/1.edxml", (s) =>
        s.replace("<edXML:StatusCode>03", "<edXML:StatusCode>06"),
      ),
    );
    const report = await verifyBundle(zip, trust);
    expect(failed(report)).toEqual(["STATUS_PACKETS"]);
    expect(message(report, "STATUS_PACKETS")).toContain("statuses/1.edxml: no accepted receipt");
  });

  it("an extra or a missing file: MANIFEST_DIGEST", async () => {
    const extra = await verifyBundle(
      tamper(bundle, (f) => f.set("notes.txt", strToU8("x")), false),
      trust,
    );
    expect(failed(extra)).toEqual(["MANIFEST_DIGEST"]);
    expect(message(extra, "MANIFEST_DIGEST")).toContain("notes.txt is not in the manifest");
    const missing = await verifyBundle(
      tamper(bundle, (f) => f.delete("crls/2.pem"), false),
      trust,
    );
    expect(failed(missing)).toEqual(["MANIFEST_DIGEST"]);
    expect(message(missing, "MANIFEST_DIGEST")).toContain("crls/2.pem is listed but missing");
  });

  it("a bundle trusted by another root: the paths are CERT_UNTRUSTED", async () => {
    const foreign = await createDevPki();
    const report = await verifyBundle(bundle, { trustAnchors: [foreign.root.certificatePem] });
    expect(failed(report)).toEqual(["LETTER_SIGNATURE", "HUB_CERTIFICATE", "STATUS_PACKETS"]);
    expect(message(report, "HUB_CERTIFICATE")).toContain("CERT_UNTRUSTED");
  });
});

describe("unreadable bundles", () => {
  it("not a ZIP, no manifest, or another format: EvidenceError BUNDLE_UNREADABLE", async () => {
    const noManifest = zipSync({ "letter.edxml": strToU8("<x/>") });
    const otherFormat = zipSync({ "manifest.json": strToU8('{"format":"other/1"}') });
    for (const zip of [strToU8("not a zip at all"), noManifest, otherFormat]) {
      const err = await verifyBundle(zip, trust).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EvidenceError);
      expect((err as EvidenceError).code).toBe("BUNDLE_UNREADABLE");
    }
  });

  it("buildBundle refuses missing pieces with BUNDLE_INPUT_INVALID", () => {
    expect(() => buildBundle({ ...w.input, letter: new Uint8Array() })).toThrow(EvidenceError);
    expect(() => buildBundle({ ...w.input, hubCertificatePem: "nope" })).toThrow(
      /hubCertificatePem/,
    );
  });
});

describe("XAdES letters", () => {
  it("report the signed signing time", async () => {
    const xades = await makeWorld({
      letterSign: { xades: { signingTime: new Date(ACCEPTED_AT.getTime() - 60_000) } },
    });
    const report = await verifyBundle(build(xades), {
      trustAnchors: [xades.pki.root.certificatePem],
    });
    expect(failed(report)).toEqual([]);
    expect(report.signer?.signingTime).toBe(
      new Date(Math.floor((ACCEPTED_AT.getTime() - 60_000) / 1000) * 1000).toISOString(),
    );
  }, 60_000);
});
