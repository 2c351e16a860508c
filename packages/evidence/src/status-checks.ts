// The business statuses about the letter, each matched to its receipt.
import { EdxmlError } from "@edoc/edxml";
import { type Receipt, type ReceiptProof, sha256Hex } from "@edoc/receipts";
import { verifyPacket } from "@edoc/signature";
import { STATUS_PATH } from "./layout.js";
import { type Material, reasonsText } from "./material.js";
import { type BundleReport, type Check, fail, pass } from "./report.js";

export async function checkStatuses(
  m: Material,
  files: ReadonlyMap<string, Uint8Array>,
  proof: ReceiptProof | string,
  mine: Receipt[],
): Promise<{ check: Check; statuses: BundleReport["statuses"] }> {
  const paths = [...files.keys()]
    .map((p) => ({ p, n: Number(STATUS_PATH.exec(p)?.[1] ?? Number.NaN) }))
    .filter((x) => !Number.isNaN(x.n))
    .sort((a, b) => a.n - b.n)
    .map((x) => x.p);
  const statusReceipts = mine.filter((r) => r.type === "status");
  if (paths.length === 0) {
    return {
      check: pass(
        "STATUS_PACKETS",
        `no status packets in the bundle (${statusReceipts.length} status receipts on the letter)`,
      ),
      statuses: [],
    };
  }
  const receipts = typeof proof === "string" ? [] : proof.receipts;
  const problems: string[] = [];
  const statuses: BundleReport["statuses"] = [];
  for (const path of paths) {
    const bytes = files.get(path)!;
    const digest = sha256Hex(bytes);
    const accepted = receipts.find((r) => r.type === "accepted" && r.digest === digest);
    const entry: BundleReport["statuses"][number] = { file: path, valid: false };
    statuses.push(entry);
    if (!accepted) {
      problems.push(`${path}: no accepted receipt in the chain attests its SHA-256 ${digest}`);
      continue;
    }
    entry.acceptedAt = accepted.at;
    if (!statusReceipts.some((r) => r.data?.statusHubDocumentId === accepted.hubDocumentId)) {
      problems.push(`${path}: no status receipt on this letter names ${accepted.hubDocumentId}`);
    }
    try {
      const { report, packet } = await verifyPacket(bytes, {
        trustAnchors: m.opts.trustAnchors,
        intermediates: m.intermediates,
        crls: m.crls,
        at: new Date(accepted.at),
        allowSha1: m.opts.allowSha1 === true,
      });
      if (packet?.kind !== "status") {
        problems.push(`${path} is not a status packet`);
        continue;
      }
      entry.from = packet.from.organId;
      entry.code = packet.statusCode;
      if (!report.valid) problems.push(`${path}: ${reasonsText(report.reasons)}`);
      if (packet.responseFor.documentId !== m.manifest.documentId) {
        problems.push(`${path} answers ${packet.responseFor.documentId}, not this letter`);
      }
      entry.valid = report.valid && packet.responseFor.documentId === m.manifest.documentId;
    } catch (err) {
      if (!(err instanceof EdxmlError)) throw err;
      problems.push(`${path} is not a readable edXML packet: ${err.code}: ${err.message}`);
    }
  }
  return {
    check:
      problems.length > 0
        ? fail("STATUS_PACKETS", problems.join("; "))
        : pass(
            "STATUS_PACKETS",
            `${paths.length} status packet${paths.length === 1 ? "" : "s"}, each signed by its reporter and attested in the chain`,
          ),
    statuses,
  };
}
