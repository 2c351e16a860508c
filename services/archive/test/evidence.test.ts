import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseOrganId } from "@edoc/directory";
import { buildLetter, buildStatus } from "@edoc/edxml";
import { verifyBundle } from "@edoc/evidence";
import type { AcceptRequest } from "@edoc/messages";
import {
  createDevPki,
  type DevPkiState,
  type IssuedKeyPair,
  issueAgencyCertificate,
  issueCrl,
  issueHubCertificate,
} from "@edoc/pki";
import { acceptanceReceiptXml } from "@edoc/receipts";
import { signEdxml, signXml } from "@edoc/signature";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainHeadDoc } from "../src/collections.js";
import { type Harness, letter, ORG, planFor, rpcError, startHarness, status } from "./harness.js";

// evidence.export in-process: real signed letters and acceptance receipts (a dev PKI), the
// archive's own receipt chain, and the bundle checked by @edoc/evidence's verifyBundle.
const SENDER = ORG.province;
const RECIPIENT = ORG.finance;

let h: Harness;
let pki: DevPkiState;
let hub: IssuedKeyPair;
const agencies = new Map<string, IssuedKeyPair>();

function sign(who: string, xml: string): string {
  const a = agencies.get(who)!;
  return signEdxml(xml, {
    privateKeyPem: a.privateKeyPem,
    certificatePem: a.certificatePem,
    chainPems: [pki.issuing.certificatePem],
  });
}

/** What the gateway hands the archive: signed bytes and a hub-signed acceptance receipt. */
function signed(req: AcceptRequest, xml: string): AcceptRequest {
  const bytes = Buffer.from(xml, "utf8");
  const digest = createHash("sha256").update(bytes).digest("hex");
  const receipt = acceptanceReceiptXml({
    receiptId: `acc_${req.hubDocumentId}`,
    hubDocumentId: req.hubDocumentId,
    documentId: req.documentId,
    from: parseOrganId(req.from),
    to: req.to.map((t) => parseOrganId(t)),
    digest,
    receivedAt: req.receivedAt,
  });
  return {
    ...req,
    edxml: bytes.toString("base64"),
    digest,
    size: bytes.length,
    receiptXml: signXml(receipt, {
      privateKeyPem: hub.privateKeyPem,
      certificatePem: hub.certificatePem,
    }),
  };
}

function letterXml(from: string, to: string, documentId: string): string {
  return buildLetter({
    header: {
      from: { organId: parseOrganId(from) },
      to: [{ organId: parseOrganId(to) }],
      documentId,
      code: { number: "12", notation: "UBND-VP" },
      promulgation: { date: "2025/07/01" },
      subject: "Về việc kiểm toán liên thông",
      toPlaces: [],
      responseFor: [],
    },
    traces: [],
    business: { docType: "new", paper: false },
    manifest: [],
    attachments: [],
  });
}

async function sendLetter(
  on: Harness,
  documentId = `${SENDER},2025/07/01,${randomBytes(3).toString("hex")}/UBND-VP`,
) {
  const base = letter({
    hubDocumentId: `doc_${randomBytes(16).toString("hex")}`,
    from: SENDER,
    submittedBy: SENDER,
    documentId,
    to: [RECIPIENT],
  });
  const req = signed(base, sign(SENDER, letterXml(SENDER, RECIPIENT, documentId)));
  expect((await on.rpc("packets.accept", req)).outcome).toBe("accepted");
  await on.peer.publishJson("archive.plans", planFor(req.hubDocumentId, [RECIPIENT]), {
    messageId: `plan-${req.hubDocumentId}`,
  });
  await on.settle();
  return req;
}

beforeAll(async () => {
  pki = await createDevPki();
  hub = await issueHubCertificate(pki, { name: "Trục liên thông (archive test)" });
  pki = hub.state;
  for (const id of [SENDER, RECIPIENT]) {
    const a = await issueAgencyCertificate(pki, { organId: id, name: `Cơ quan ${id}` });
    pki = a.state;
    agencies.set(id, a);
  }
  // No periodic head signing during the test: the export must sign the head it needs itself.
  const opts = {
    chainHeadMs: 600_000,
    hubKeyPem: hub.privateKeyPem,
    hubCertPem: hub.certificatePem,
  };
  h = await startHarness(opts);
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe("evidence.export", () => {
  it("exports a letter with its delivery, ack and status; the bundle verifies; a fresh head is signed", async () => {
    const req = await sendLetter(h);
    const delivery = planFor(req.hubDocumentId, [RECIPIENT]).deliveries[0]!.deliveryId;
    await h.rpc("inbox.fetch", { actingFor: [RECIPIENT], deliveryId: delivery });
    await h.rpc("inbox.ack", { actingFor: [RECIPIENT], deliveryId: delivery, result: "done" });
    const statusXml = sign(
      RECIPIENT,
      buildStatus({
        from: { organId: parseOrganId(RECIPIENT) },
        responseFor: { organId: parseOrganId(SENDER), documentId: req.documentId },
        statusCode: "03",
        timestamp: "2025/07/01 09:00:00",
        traces: [],
      }),
    );
    const st = status(RECIPIENT, { from: SENDER, documentId: req.documentId }, "03");
    const statusReq = signed(
      { ...st, hubDocumentId: `doc_${randomBytes(16).toString("hex")}` },
      statusXml,
    );
    expect((await h.rpc("packets.accept", statusReq)).outcome).toBe("accepted");

    const heads = () => h.store.db.collection<ChainHeadDoc>("chainHeads");
    const before = await heads().countDocuments();
    const out = await h.rpc("evidence.export", { hubDocumentId: req.hubDocumentId });
    expect(await heads().countDocuments()).toBe(before + 1);
    expect(out).toMatchObject({
      hubDocumentId: req.hubDocumentId,
      documentId: req.documentId,
      from: SENDER,
      statuses: 1,
    });
    // No EDOC_TRUST_FILE / EDOC_CRL_FILES here: said, not refused.
    expect(out.warnings.join(" ")).toContain("EDOC_TRUST_FILE");
    const zip = Buffer.from(out.bundle, "base64");
    expect(createHash("sha256").update(zip).digest("hex")).toBe(out.sha256);

    const report = await verifyBundle(zip, {
      trustAnchors: [pki.root.certificatePem],
      intermediates: [pki.issuing.certificatePem],
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.receipts.map((r) => r.type)).toEqual([
      "accepted",
      "routed",
      "available",
      "fetched",
      "acknowledged",
      "status",
    ]);
    expect(report.statuses).toEqual([
      expect.objectContaining({ code: "03", from: RECIPIENT, valid: true }),
    ]);

    // A second export finds the head it needs and signs none.
    const again = await h.rpc("evidence.export", { documentId: req.documentId });
    expect(again.hubDocumentId).toBe(req.hubDocumentId);
    expect(again.chainHead).toEqual(out.chainHead);
    expect(await heads().countDocuments()).toBe(before + 1);

    // The status packet itself is not a letter.
    const notLetter = await rpcError(
      h.rpc("evidence.export", { hubDocumentId: statusReq.hubDocumentId }),
    );
    expect([notLetter.code, notLetter.status]).toEqual(["EVIDENCE_NOT_A_LETTER", 409]);
  });

  it("carries the CA certificates and CRLs of the configured files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edoc-evidence-"));
    writeFileSync(
      join(dir, "chain.pem"),
      `${pki.root.certificatePem}${pki.issuing.certificatePem}`,
    );
    writeFileSync(join(dir, "crl.pem"), await issueCrl(pki));
    // createArchive's options, through the harness (which passes them on).
    const opts = {
      chainHeadMs: 600_000,
      hubKeyPem: hub.privateKeyPem,
      hubCertPem: hub.certificatePem,
      trustFile: join(dir, "chain.pem"),
      crlFiles: [join(dir, "crl.pem")],
    };
    const configured = await startHarness(opts);
    try {
      const req = await sendLetter(configured);
      const out = await configured.rpc("evidence.export", { hubDocumentId: req.hubDocumentId });
      expect(out.warnings).toEqual([]);
      const report = await verifyBundle(Buffer.from(out.bundle, "base64"), {
        trustAnchors: [pki.root.certificatePem],
      });
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.signer?.revocation).toBe("checked");
    } finally {
      await configured.close();
    }
  }, 60_000);

  it("refuses unknown ids, ambiguous DocumentIds and bad params", async () => {
    const unknown = await rpcError(h.rpc("evidence.export", { hubDocumentId: "doc_nothing" }));
    expect([unknown.code, unknown.status]).toEqual(["DOCUMENT_NOT_FOUND", 404]);
    const both = await rpcError(
      h.rpc("evidence.export", { hubDocumentId: "doc_x", documentId: "y" }),
    );
    expect([both.code, both.status]).toEqual(["RPC_BAD_REQUEST", 400]);
    const none = await rpcError(h.rpc("evidence.export", {}));
    expect(none.code).toBe("RPC_BAD_REQUEST");
    // The same DocumentId from two senders (the convention puts the OrganId in it, but nothing enforces it).
    const shared = `shared-${randomBytes(4).toString("hex")}`;
    await h.rpc("packets.accept", letter({ documentId: shared, from: ORG.province }));
    await h.rpc(
      "packets.accept",
      letter({ documentId: shared, from: ORG.home, submittedBy: ORG.home }),
    );
    const ambiguous = await rpcError(h.rpc("evidence.export", { documentId: shared }));
    expect([ambiguous.code, ambiguous.status]).toEqual(["EVIDENCE_AMBIGUOUS", 409]);
    const narrowed = await h.rpc("evidence.export", { documentId: shared, from: ORG.home });
    expect(narrowed.from).toBe(ORG.home);
  });
});
