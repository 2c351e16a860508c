import { RpcError } from "@edoc/bus";
import { buildBundle } from "@edoc/evidence";
import type { RpcParamsOf, RpcResultOf } from "@edoc/messages";
import { proveReceipts, type SignedChainHead, sha256Hex } from "@edoc/receipts";
import { loadTrust, readText } from "@edoc/runtime";
import type { ChainHeadDoc, PacketDoc } from "./collections.js";
import type { Ctx } from "./context.js";
import { acceptanceXml } from "./finish.js";
import { receiptKeys } from "./keys.js";
import { toReceipt } from "./ledger.js";
import { purgedError } from "./retention.js";

/** What the export needs beyond the handlers' context (wired by createArchive). */
export interface EvidenceDeps {
  /** Signs the current chain head if it moved since the last signed one (ChainHeadSigner). */
  signHead(): Promise<unknown>;
  /** The hub certificate (EDOC_HUB_CERT): its key signs acceptance receipts and chain heads. */
  hubCertPem?: string;
  /** PEM bundle of CA certificates (EDOC_TRUST_FILE), read at each export. */
  trustFile?: string;
  /** CRL files (EDOC_CRL_FILES), read at each export so the bundle carries the current ones. */
  crlFiles?: readonly string[];
}

function headOf(doc: ChainHeadDoc): SignedChainHead {
  const { _id: _seq, timestampPending: _pending, ...head } = doc;
  return head as SignedChainHead;
}

async function findLetter(ctx: Ctx, p: RpcParamsOf<"evidence.export">): Promise<PacketDoc> {
  let packet: PacketDoc | null | undefined;
  if (p.hubDocumentId !== undefined) {
    packet = await ctx.c.packets.findOne({ _id: p.hubDocumentId });
  } else {
    const found = await ctx.c.packets
      .find({
        documentId: p.documentId,
        kind: "letter",
        ...(p.from ? { from: p.from } : {}),
      })
      .sort({ createdAt: -1 })
      .limit(50)
      .toArray();
    const senders = new Set(found.map((x) => x.from));
    if (senders.size > 1) {
      throw new RpcError(
        "EVIDENCE_AMBIGUOUS",
        `DocumentId ${p.documentId} was sent by ${[...senders].join(", ")}; name the sender (from) or the hubDocumentId`,
        409,
      );
    }
    packet = found.find((x) => x.docType === "new") ?? found[0];
  }
  const id = p.hubDocumentId ?? p.documentId;
  if (!packet) throw new RpcError("DOCUMENT_NOT_FOUND", `no accepted letter ${id}`, 404);
  if (packet.kind !== "letter") {
    throw new RpcError(
      "EVIDENCE_NOT_A_LETTER",
      `${id} is a status packet; export the letter it answers (${packet.refersTo ?? "unknown"})`,
      409,
    );
  }
  return packet;
}

async function bytesOf(ctx: Ctx, hubDocumentId: string, digest?: string): Promise<Buffer> {
  const bytes = await ctx.blobs.get(hubDocumentId);
  const actual = bytes ? sha256Hex(bytes) : undefined;
  if (!bytes || (digest !== undefined && actual !== digest)) {
    throw new RpcError(
      "DOCUMENT_UNAVAILABLE",
      `the stored bytes of ${hubDocumentId} are missing or altered`,
      500,
    );
  }
  return bytes;
}

/**
 * RPC `evidence.export` (operators and auditors; never exposed to agencies): one letter's
 * evidence bundle, built by @edoc/evidence's buildBundle from what the archive holds: the exact
 * letter bytes, the hub-signed acceptance receipt, the receipt proof from the letter's first
 * receipt up to the latest signed chain head (a fresh head is signed first when the latest does
 * not cover the letter's receipts yet), that head, the status packets the chain attests on the
 * letter, the hub certificate, and the CA certificates and CRLs of EDOC_TRUST_FILE and
 * EDOC_CRL_FILES as they are now.
 */
export function evidenceExport(deps: EvidenceDeps) {
  return async (
    ctx: Ctx,
    p: RpcParamsOf<"evidence.export">,
  ): Promise<RpcResultOf<"evidence.export">> => {
    const packet = await findLetter(ctx, p);
    const id = packet.hubDocumentId;
    const purged = await purgedError(ctx, packet);
    if (purged) throw purged;
    if (!deps.hubCertPem) {
      throw new RpcError(
        "EVIDENCE_UNAVAILABLE",
        "the archive has no hub certificate (EDOC_HUB_CERT): the bundle could not be verified",
        503,
      );
    }
    // The accepted receipt is the letter's first; its key is its _id.
    const first = await ctx.ledger.find(receiptKeys.accepted(id));
    const [last] = await ctx.c.receipts
      .find({ hubDocumentId: id })
      .sort({ seq: -1 })
      .limit(1)
      .toArray();
    if (!first || !last) {
      throw new RpcError("DOCUMENT_UNAVAILABLE", `the chain holds no receipt of ${id}`, 500);
    }
    const latest = async () =>
      (await ctx.c.chainHeads.find({}).sort({ _id: -1 }).limit(1).toArray())[0];
    let head = await latest();
    if (!head || head.seq < last.seq) {
      await deps.signHead();
      head = await latest();
    }
    if (!head || head.seq < last.seq) {
      throw new RpcError(
        "EVIDENCE_UNAVAILABLE",
        `no signed chain head covers seq ${last.seq} (is EDOC_HUB_KEY set?)`,
        503,
      );
    }
    const signed = headOf(head);
    const segment = (
      await ctx.c.receipts
        .find({ seq: { $gte: first.seq, $lte: signed.seq } })
        .sort({ seq: 1 })
        .toArray()
    ).map(toReceipt);
    const proof = proveReceipts(segment, (r) => r.hubDocumentId === id, signed);
    const letter = await bytesOf(ctx, id, packet.digest);
    const statusIds = proof.receipts
      .filter((r) => r.hubDocumentId === id && r.type === "status")
      .map((r) => r.data?.statusHubDocumentId)
      .filter((s): s is string => typeof s === "string");
    const statuses: Buffer[] = [];
    for (const statusId of [...new Set(statusIds)]) {
      // The digest the chain attests for that status packet (its accepted receipt).
      const accepted = proof.receipts.find(
        (r) => r.type === "accepted" && r.hubDocumentId === statusId,
      );
      statuses.push(await bytesOf(ctx, statusId, accepted?.digest));
    }

    const warnings: string[] = [];
    if (head.timestampPending) {
      warnings.push(
        `chain head seq ${head.seq} is not timestamped yet (the TSA has not answered); export again later for a timestamped head`,
      );
    }
    let caCertificatePems: string[] = [];
    if (deps.trustFile) {
      try {
        const trust = loadTrust(deps.trustFile);
        caCertificatePems = [...trust.intermediates, ...trust.anchors];
      } catch (err) {
        warnings.push(`CA certificates left out: ${(err as Error).message}`);
      }
    } else {
      warnings.push(
        "EDOC_TRUST_FILE is not set: the bundle carries no CA certificates; the auditor must supply the intermediates",
      );
    }
    const crlPems: string[] = [];
    for (const file of deps.crlFiles ?? []) {
      try {
        crlPems.push(readText(file, "CRL"));
      } catch (err) {
        warnings.push(`CRL left out: ${(err as Error).message}`);
      }
    }
    if ((deps.crlFiles ?? []).length === 0) {
      warnings.push("EDOC_CRL_FILES is not set: revocation cannot be checked from the bundle");
    }

    const bundle = buildBundle({
      hubDocumentId: id,
      documentId: packet.documentId,
      from: packet.from,
      letter,
      acceptanceReceiptXml: await acceptanceXml(ctx, id),
      proof,
      chainHeads: [signed],
      statuses,
      hubCertificatePem: deps.hubCertPem,
      caCertificatePems,
      crlPems,
      ...(packet.pdfCheck ? { pdfSignatures: packet.pdfCheck } : {}),
    });
    const sha256 = sha256Hex(bundle);
    ctx.log.info(
      { docId: id, size: bundle.length, headSeq: signed.seq, receipts: proof.receipts.length },
      "evidence exported",
    );
    return {
      hubDocumentId: id,
      documentId: packet.documentId,
      from: packet.from,
      bundle: Buffer.from(bundle).toString("base64"),
      size: bundle.length,
      sha256,
      chainHead: { seq: signed.seq, hash: signed.hash, at: signed.at },
      receipts: proof.receipts.length,
      statuses: statuses.length,
      warnings,
    };
  };
}
