import { type OrganId, parseOrganId } from "@edoc/directory";
import { buildLetter, buildStatus } from "@edoc/edxml";
import { type BundleInput, buildBundle, type Manifest } from "@edoc/evidence";
import {
  createDevPki,
  type DevPkiState,
  type IssuedKeyPair,
  issueAgencyCertificate,
  issueCrl,
  issueHubCertificate,
  revokeCertificate,
} from "@edoc/pki";
import {
  acceptanceReceiptXml,
  chainReceipt,
  proveReceipts,
  type Receipt,
  type ReceiptBody,
  type SignedChainHead,
  sha256Hex,
  signChainHead,
} from "@edoc/receipts";
import { type SignOptions, signEdxml, signXml } from "@edoc/signature";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";

// A small, real world for the bundle tests: a dev PKI, a hub, three agencies, a signed letter and
// status, the hub-signed acceptance receipt, and a receipt chain in which two letters interleave.
export const A = "000.00.12.H53" as OrganId; // sender
export const B = "000.00.13.H53" as OrganId; // recipient
export const C = "000.00.14.H53" as OrganId; // sender of the other letter
export const L1 = "doc_letter_one";
export const L2 = "doc_letter_two";
export const S1 = "doc_status_one";
export const DAY = 24 * 3600 * 1000;
export const NOW = Date.now();
/** Everything happened ten days ago; the hub certificate has expired since. */
export const ACCEPTED_AT = new Date(NOW - 10 * DAY);

export interface World {
  pki: DevPkiState;
  hub: IssuedKeyPair;
  agencyA: IssuedKeyPair;
  agencyB: IssuedKeyPair;
  documentId: string;
  letter: Uint8Array;
  status: Uint8Array;
  acceptanceXml: string;
  receipts: Receipt[];
  heads: SignedChainHead[];
  crls: string[];
  input: BundleInput;
}

const iso = (offsetMs: number) => new Date(ACCEPTED_AT.getTime() + offsetMs).toISOString();

export function letterXml(
  from: OrganId,
  to: OrganId,
  documentId: string,
  pdf?: Uint8Array,
): string {
  const content = pdf ? Buffer.from(pdf) : Buffer.from("Nội dung công văn thử nghiệm.", "utf8");
  const [type, name] = pdf ? ["application/pdf", "congvan.pdf"] : ["text/plain", "a.txt"];
  return buildLetter({
    header: {
      from: { organId: from, organName: `Cơ quan ${from}` },
      to: [{ organId: to }],
      documentId,
      code: { number: "7816", notation: "STC-VP" },
      promulgation: { place: "Tây Ninh", date: "2024/05/02" },
      subject: "V/v kết nối, liên thông phần mềm quản lý văn bản",
      toPlaces: [],
      responseFor: [],
    },
    traces: [{ organId: from, timestamp: "2024/05/02 08:00:00" }],
    business: { docType: "new", paper: false },
    manifest: [{ contentId: "1", contentType: type, attachmentName: name }],
    attachments: [
      {
        contentId: "1",
        contentType: type,
        name,
        encoded: content.toString("base64"),
        size: content.length,
      },
    ],
  });
}

export function signAs(
  who: IssuedKeyPair,
  xml: string,
  pki: DevPkiState,
  extra: Partial<SignOptions> = {},
): Uint8Array {
  return Buffer.from(
    signEdxml(xml, {
      privateKeyPem: who.privateKeyPem,
      certificatePem: who.certificatePem,
      chainPems: [pki.issuing.certificatePem],
      ...extra,
    }),
  );
}

export function chain(bodies: ReceiptBody[]): Receipt[] {
  const out: Receipt[] = [];
  for (const body of bodies) out.push(chainReceipt(out.at(-1), body));
  return out;
}

export interface WorldOptions {
  /** Sign the letter as someone else than its From (SIGNER_BINDING). */
  letterSigner?: "A" | "B";
  /** Extra signing options for the letter (XAdES). */
  letterSign?: Partial<SignOptions>;
  /** Revoke the sender's certificate at this instant, on the issuing CA's CRL. */
  revokeSenderAt?: Date;
  /** Attach a PDF instead of the text, made (e.g. signed) with the sender's key. */
  pdf?: (sender: IssuedKeyPair, pki: DevPkiState) => Uint8Array;
}

export async function makeWorld(opts: WorldOptions = {}): Promise<World> {
  let pki = await createDevPki({ now: new Date(NOW - 60 * DAY) });
  const hub = await issueHubCertificate(pki, {
    name: "Trục liên thông (test)",
    notBefore: new Date(NOW - 30 * DAY),
    notAfter: new Date(NOW - DAY),
  });
  pki = hub.state;
  const agencyA = await issueAgencyCertificate(pki, {
    organId: A,
    name: "Sở Tài chính",
    notBefore: new Date(NOW - 30 * DAY),
  });
  pki = agencyA.state;
  const agencyB = await issueAgencyCertificate(pki, {
    organId: B,
    name: "Sở Nội vụ",
    notBefore: new Date(NOW - 30 * DAY),
  });
  pki = agencyB.state;
  if (opts.revokeSenderAt) {
    pki = revokeCertificate(pki, agencyA.serialNumber, {
      reason: "keyCompromise",
      at: opts.revokeSenderAt,
    });
  }

  const documentId = `${A},2024/05/02,7816/STC-VP`;
  const letter = signAs(
    opts.letterSigner === "B" ? agencyB : agencyA,
    letterXml(A, B, documentId, opts.pdf?.(agencyA, pki)),
    pki,
    opts.letterSign,
  );
  const status = signAs(
    agencyB,
    buildStatus({
      from: { organId: parseOrganId(B) },
      responseFor: { organId: parseOrganId(A), documentId },
      statusCode: "03",
      timestamp: "2024/05/02 09:00:00",
      traces: [],
    }),
    pki,
  );
  const letterDigest = sha256Hex(letter);
  const acceptanceXml = signXml(
    acceptanceReceiptXml({
      receiptId: `acc_${L1}`,
      hubDocumentId: L1,
      documentId,
      from: A,
      to: [B],
      digest: letterDigest,
      receivedAt: ACCEPTED_AT.toISOString(),
    }),
    { privateKeyPem: hub.privateKeyPem, certificatePem: hub.certificatePem },
  );

  const receipts = chain([
    { type: "accepted", hubDocumentId: "doc_before", organId: C, at: iso(-60_000) },
    {
      type: "accepted",
      hubDocumentId: L1,
      documentId,
      organId: A,
      at: iso(0),
      digest: letterDigest,
      data: { kind: "letter", docType: "new", size: letter.length, submittedBy: A },
    },
    { type: "routed", hubDocumentId: L1, deliveryId: "dlv_1", organId: B, at: iso(100) },
    { type: "available", hubDocumentId: L1, deliveryId: "dlv_1", organId: B, at: iso(110) },
    {
      type: "accepted",
      hubDocumentId: L2,
      organId: C,
      at: iso(200),
      digest: "c".repeat(64),
      data: { kind: "letter", docType: "new" },
    },
    { type: "routed", hubDocumentId: L2, deliveryId: "dlv_2", organId: A, at: iso(300) },
    { type: "fetched", hubDocumentId: L1, deliveryId: "dlv_1", organId: B, at: iso(60_000) },
    {
      type: "acknowledged",
      hubDocumentId: L1,
      deliveryId: "dlv_1",
      organId: B,
      at: iso(61_000),
      data: { result: "done" },
    },
    { type: "fetched", hubDocumentId: L2, deliveryId: "dlv_2", organId: A, at: iso(62_000) },
    {
      type: "accepted",
      hubDocumentId: S1,
      organId: B,
      at: iso(3_600_000),
      digest: sha256Hex(status),
      data: { kind: "status", docType: "status", statusCode: "03", refersTo: L1 },
    },
    {
      type: "status",
      hubDocumentId: L1,
      deliveryId: "dlv_1",
      organId: B,
      at: iso(3_600_000),
      data: { code: "03", statusHubDocumentId: S1 },
    },
    { type: "routed", hubDocumentId: S1, deliveryId: "dlv_s1", organId: A, at: iso(3_600_100) },
    { type: "available", hubDocumentId: S1, deliveryId: "dlv_s1", organId: A, at: iso(3_600_110) },
  ]);
  const headAt = (r: Receipt) =>
    signChainHead({ seq: r.seq, hash: r.hash, at: iso(4_000_000 + r.seq) }, hub.privateKeyPem, {
      certificatePem: hub.certificatePem,
    });
  const heads = [headAt(receipts[7]!), headAt(receipts.at(-1)!)];
  const crls = [await issueCrl(pki), await issueCrl(pki, { issuer: "root" })];
  const input: BundleInput = {
    hubDocumentId: L1,
    documentId,
    from: A,
    createdAt: new Date(NOW),
    letter,
    acceptanceReceiptXml: acceptanceXml,
    proof: proveReceipts(receipts, (r) => r.hubDocumentId === L1, heads[1]!),
    chainHeads: heads,
    statuses: [status],
    hubCertificatePem: hub.certificatePem,
    caCertificatePems: [pki.issuing.certificatePem, pki.root.certificatePem],
    crlPems: crls,
  };
  return {
    pki,
    hub,
    agencyA,
    agencyB,
    documentId,
    letter,
    status,
    acceptanceXml,
    receipts,
    heads,
    crls,
    input,
  };
}

export function build(w: World, patch: Partial<BundleInput> = {}): Uint8Array {
  return buildBundle({ ...w.input, ...patch });
}

/**
 * Rewrites files inside a bundle as a forger would: `edit` gets every file and may change,
 * add or delete them. With `fixManifest` the manifest's digests are recomputed, so the deeper
 * checks (signatures, chain) are what must catch the change.
 */
export function tamper(
  zip: Uint8Array,
  edit: (files: Map<string, Uint8Array>) => void,
  fixManifest = true,
): Uint8Array {
  const files = new Map(Object.entries(unzipSync(zip)));
  edit(files);
  if (fixManifest) {
    const manifest = JSON.parse(strFromU8(files.get("manifest.json")!)) as Manifest;
    manifest.files = [...files.entries()]
      .filter(([path]) => path !== "manifest.json")
      .map(([path, bytes]) => ({ path, sha256: sha256Hex(bytes), size: bytes.length }));
    files.set("manifest.json", strToU8(JSON.stringify(manifest)));
  }
  return zipSync(Object.fromEntries(files));
}

/** Edits one JSON file of the bundle. */
export function editJson<T>(files: Map<string, Uint8Array>, path: string, edit: (v: T) => void) {
  const value = JSON.parse(strFromU8(files.get(path)!)) as T;
  edit(value);
  files.set(path, strToU8(JSON.stringify(value)));
}

export function editText(
  files: Map<string, Uint8Array>,
  path: string,
  edit: (s: string) => string,
) {
  files.set(path, strToU8(edit(strFromU8(files.get(path)!))));
}
