// verifyBundle: unpacks the ZIP, runs every check (one file per kind of check), and assembles
// the report.
import { sha256Hex } from "@edoc/receipts";
import { checkBelong, checkChain, checkHeads, checkTimestamps } from "./chain-checks.js";
import { CRL_PATH, PATHS, text } from "./layout.js";
import { checkManifest, readManifest } from "./manifest-check.js";
import { type Material, pems } from "./material.js";
import { checkPdfs } from "./pdfs.js";
import { parseHeads, parseProof } from "./proof-json.js";
import type { BundleReport, VerifyBundleOptions } from "./report.js";
import { checkAcceptance, checkHub, checkLetter } from "./signer-checks.js";
import { checkStatuses } from "./status-checks.js";
import { unpack } from "./zip.js";

export type {
  BundleReceipt,
  BundleReport,
  Check,
  CheckCode,
  VerifyBundleOptions,
} from "./report.js";
export { CHECKS } from "./report.js";

/**
 * Verifies an evidence bundle offline: nothing but the ZIP and the auditor's trust anchors.
 * Every check runs whatever the others found, so a report names everything that is wrong.
 * Throws EvidenceError BUNDLE_UNREADABLE when the ZIP or its manifest cannot be read at all,
 * and the signature package's SignatureError TRUST_POLICY_INVALID for unreadable anchors.
 */
export async function verifyBundle(
  zip: Uint8Array,
  opts: VerifyBundleOptions,
): Promise<BundleReport> {
  const { files, duplicates } = unpack(zip);
  const manifest = readManifest(files.get(PATHS.manifest));
  const letter = files.get(PATHS.letter);
  const crlFiles = [...files.keys()]
    .map((p) => ({ p, n: Number(CRL_PATH.exec(p)?.[1] ?? Number.NaN) }))
    .filter((x) => !Number.isNaN(x.n))
    .sort((a, b) => a.n - b.n);
  const m: Material = {
    manifest,
    letter,
    letterDigest: letter ? sha256Hex(letter) : undefined,
    hubPem: text(files.get(PATHS.hubCertificate)),
    intermediates: [...pems(text(files.get(PATHS.caCertificates))), ...(opts.intermediates ?? [])],
    crls: crlFiles.map((x) => text(files.get(x.p))),
    opts,
  };
  const proof = parseProof(files.get(PATHS.receipts));
  const heads = parseHeads(files.get(PATHS.chainHeads));
  const mine =
    typeof proof === "string"
      ? []
      : proof.receipts.filter((r) => r.hubDocumentId === manifest.hubDocumentId);

  const manifestCheck = checkManifest(manifest, files, duplicates);
  const acceptance = await checkAcceptance(m, files.get(PATHS.acceptanceReceipt));
  const acceptedReceipt = mine.find((r) => r.type === "accepted");
  // The instant to judge certificates at: the auditor's, else the hub-signed acceptance time,
  // else the accepted receipt's (the chain's own word), else now.
  const at =
    opts.at ??
    acceptance.receivedAt ??
    (acceptedReceipt ? new Date(acceptedReceipt.at) : new Date());
  const letterOutcome = await checkLetter(m, at, acceptance.fields);
  const hub = await checkHub(m, at);
  const chain = checkChain(m, proof, heads);
  const headSignature = checkHeads(m, proof, heads);
  const headTimestamp = await checkTimestamps(m, [
    ...(typeof proof === "string" ? [] : [proof.head]),
    ...(typeof heads === "string" ? [] : heads),
  ]);
  const belong = checkBelong(m, proof, mine);
  const statuses = await checkStatuses(m, files, proof, mine);
  const pdfs = await checkPdfs(
    letterOutcome.packet,
    files.has(PATHS.pdfSignatures) ? text(files.get(PATHS.pdfSignatures)) : undefined,
    {
      trustAnchors: opts.trustAnchors,
      intermediates: m.intermediates,
      crls: m.crls,
      allowSha1: opts.allowSha1 === true,
    },
    at,
  );

  const checks = [
    manifestCheck,
    letterOutcome.signature,
    letterOutcome.binding,
    acceptance.check,
    hub.check,
    chain,
    headSignature,
    headTimestamp.check,
    belong,
    statuses.check,
    pdfs.check,
  ];
  const { files: _files, ...about } = manifest;
  return {
    valid: checks.every((c) => c.ok),
    checks,
    manifest: about,
    ...(letterOutcome.letter ? { letter: letterOutcome.letter } : {}),
    ...(letterOutcome.signer ? { signer: letterOutcome.signer } : {}),
    ...(acceptance.fields ? { acceptance: acceptance.fields } : {}),
    ...(hub.hub ? { hub: hub.hub } : {}),
    ...(typeof proof === "string"
      ? {}
      : { chainHead: { seq: proof.head.seq, hash: proof.head.hash, at: proof.head.at } }),
    timestamps: headTimestamp.timestamps,
    receipts: mine.map((r) => ({
      seq: r.seq,
      type: r.type,
      at: r.at,
      ...(r.organId !== undefined ? { organId: r.organId } : {}),
      ...(r.deliveryId !== undefined ? { deliveryId: r.deliveryId } : {}),
      ...(r.data !== undefined ? { data: { ...r.data } } : {}),
    })),
    statuses: statuses.statuses,
    pdfs: pdfs.pdfs,
  };
}
