// The receipt chain: unbroken, its heads signed and timestamped, this letter's receipts in it.
import {
  type Receipt,
  type ReceiptProof,
  type SignedChainHead,
  timestampedHeadBytes,
  verifyChain,
  verifyChainHead,
} from "@edoc/receipts";
import type { Reason } from "@edoc/signature";
import { verifyTimestampToken } from "@edoc/timestamp";
import { PATHS } from "./layout.js";
import { errorMessage, type Material } from "./material.js";
import { type BundleReport, type Check, fail, pass } from "./report.js";

function sameHead(a: SignedChainHead, b: SignedChainHead): boolean {
  return (
    a.seq === b.seq &&
    a.hash === b.hash &&
    a.at === b.at &&
    a.algorithm === b.algorithm &&
    a.signature === b.signature
  );
}

function distinctHeads(proof: ReceiptProof | string, heads: SignedChainHead[] | string) {
  const all: SignedChainHead[] = [];
  if (typeof proof !== "string") all.push(proof.head);
  if (typeof heads !== "string") {
    for (const h of heads) if (!all.some((a) => sameHead(a, h))) all.push(h);
  }
  return all;
}

export async function checkTimestamps(
  m: Material,
  all: readonly SignedChainHead[],
): Promise<{ check: Check; timestamps: BundleReport["timestamps"] }> {
  const timestamps: BundleReport["timestamps"] = [];
  const problems: string[] = [];
  const reasons: { code: string; message: string }[] = [];
  // Every copy of every head (receipts.json and chain-heads.json): a token counts once per head.
  const stamped = new Map<string, SignedChainHead>();
  for (const h of all) {
    if (typeof h.timestampToken === "string") stamped.set(`${h.seq}/${h.timestampToken}`, h);
  }
  for (const h of stamped.values()) {
    const token = Buffer.from(h.timestampToken ?? "", "base64");
    const v = await verifyTimestampToken(token, timestampedHeadBytes(h), {
      trustAnchors: m.opts.trustAnchors,
      intermediates: m.intermediates,
      crls: m.crls,
    });
    if (v.valid && v.time && v.tsa) {
      timestamps.push({ seq: h.seq, time: v.time, tsa: v.tsa.subject });
    } else {
      problems.push(
        `head seq ${h.seq}: ${v.problems.map((p) => `${p.code}: ${p.message}`).join("; ")}`,
      );
      reasons.push(...v.problems);
    }
  }
  if (problems.length > 0) {
    return {
      check: fail(
        "CHAIN_HEAD_TIMESTAMP",
        `the timestamp does not hold: ${problems.join("; ")}`,
        reasons,
      ),
      timestamps,
    };
  }
  if (timestamps.length === 0) {
    const none =
      "no chain head carries an RFC 3161 timestamp: the heads' time rests on the hub's word";
    return {
      check: m.opts.requireTimestamp
        ? fail("CHAIN_HEAD_TIMESTAMP", none)
        : pass("CHAIN_HEAD_TIMESTAMP", none),
      timestamps,
    };
  }
  const said = timestamps.map((t) => `head seq ${t.seq} at ${t.time} by ${t.tsa}`).join("; ");
  return {
    check: pass(
      "CHAIN_HEAD_TIMESTAMP",
      `timestamped (RFC 3161: imprint matches the signed head, TSA signature valid, TSA chains to the trust anchors): ${said}`,
    ),
    timestamps,
  };
}

export function checkChain(
  m: Material,
  proof: ReceiptProof | string,
  heads: SignedChainHead[] | string,
): Check {
  if (typeof proof === "string") return fail("RECEIPT_CHAIN", proof);
  const problems: string[] = [];
  const reasons: Reason[] = [];
  const { receipts, startsAfter, head } = proof;
  const first = receipts[0];
  const last = receipts.at(-1);
  if (!first || !last) return fail("RECEIPT_CHAIN", `${PATHS.receipts} holds no receipts`);
  const chain = verifyChain(receipts, { from: startsAfter });
  if (!chain.ok) {
    for (const p of chain.problems) {
      problems.push(`seq ${p.seq} ${p.code}: ${p.message}`);
    }
  }
  if (last.seq !== head.seq || last.hash !== head.hash) {
    problems.push(
      `the segment ends at seq ${last.seq} (${last.hash}), the signed head is seq ${head.seq} (${head.hash})`,
    );
  }
  if (first.type !== "accepted" || first.hubDocumentId !== m.manifest.hubDocumentId) {
    problems.push(
      `the segment starts at seq ${first.seq} (${first.type} of ${first.hubDocumentId}), not at this letter's accepted receipt`,
    );
  }
  if (typeof heads === "string") {
    problems.push(heads);
  } else {
    if (!heads.some((h) => sameHead(h, head))) {
      problems.push(
        `${PATHS.chainHeads} does not hold the head ${PATHS.receipts} ends at (seq ${head.seq})`,
      );
    }
    const bySeq = new Map(receipts.map((r) => [r.seq, r.hash]));
    bySeq.set(startsAfter.seq, startsAfter.hash);
    for (const h of heads) {
      const hash = bySeq.get(h.seq);
      if (hash !== undefined && hash !== h.hash) {
        problems.push(`the signed head seq ${h.seq} says ${h.hash}, the segment has ${hash}`);
      }
    }
  }
  return problems.length > 0
    ? fail("RECEIPT_CHAIN", `${PATHS.receipts}: ${problems.join("; ")}`, reasons)
    : pass(
        "RECEIPT_CHAIN",
        `${receipts.length} receipts, seq ${first.seq}–${last.seq}, link up from seq ${startsAfter.seq} and end exactly at the signed head`,
      );
}

export function checkHeads(
  m: Material,
  proof: ReceiptProof | string,
  heads: SignedChainHead[] | string,
): Check {
  const all = distinctHeads(proof, heads);
  if (all.length === 0)
    return fail("CHAIN_HEAD_SIGNATURE", "the bundle holds no readable chain head");
  const bad: string[] = [];
  for (const h of all) {
    let ok: boolean;
    try {
      ok = verifyChainHead(h, m.hubPem);
    } catch (err) {
      return fail(
        "CHAIN_HEAD_SIGNATURE",
        `${PATHS.hubCertificate} is not a usable key: ${errorMessage(err)}`,
      );
    }
    if (!ok) bad.push(`head seq ${h.seq} (${h.at})`);
  }
  return bad.length > 0
    ? fail(
        "CHAIN_HEAD_SIGNATURE",
        `${bad.join(", ")}: the signature does not verify with the key of ${PATHS.hubCertificate}`,
      )
    : pass(
        "CHAIN_HEAD_SIGNATURE",
        `${all.length} signed chain head${all.length === 1 ? " verifies" : "s verify"} with the key of ${PATHS.hubCertificate}`,
      );
}

export function checkBelong(m: Material, proof: ReceiptProof | string, mine: Receipt[]): Check {
  if (typeof proof === "string") return fail("RECEIPTS_BELONG", "no readable receipts to check");
  const id = m.manifest.hubDocumentId;
  const problems: string[] = [];
  const accepted = mine.filter((r) => r.type === "accepted");
  const [acc] = accepted;
  if (acc === undefined || accepted.length !== 1) {
    problems.push(
      `${accepted.length} accepted receipts name ${id}${accepted.length > 1 ? ` (seq ${accepted.map((r) => r.seq).join(", ")})` : ""}; exactly one is expected`,
    );
  }
  if (acc) {
    if (acc.digest !== m.letterDigest) {
      problems.push(
        `the accepted receipt (seq ${acc.seq}) attests SHA-256 ${acc.digest ?? "(none)"}, ${PATHS.letter}'s is ${m.letterDigest ?? "(no letter)"}`,
      );
    }
    if (acc.documentId !== undefined && acc.documentId !== m.manifest.documentId) {
      problems.push(
        `the accepted receipt (seq ${acc.seq}) names DocumentId ${acc.documentId}, not ${m.manifest.documentId}`,
      );
    }
    if (acc.organId !== undefined && acc.organId !== m.manifest.from) {
      problems.push(
        `the accepted receipt (seq ${acc.seq}) names sender ${acc.organId}, not ${m.manifest.from}`,
      );
    }
  }
  const deliveries = new Set(
    mine.filter((r) => r.type === "routed").flatMap((r) => (r.deliveryId ? [r.deliveryId] : [])),
  );
  for (const r of mine) {
    if (r.type !== "routed" && r.deliveryId !== undefined && !deliveries.has(r.deliveryId)) {
      problems.push(
        `seq ${r.seq} (${r.type}) names delivery ${r.deliveryId}, to which this letter was never routed`,
      );
    }
    if (r.type === "status") {
      const statusId = r.data?.statusHubDocumentId;
      const own = proof.receipts.find((x) => x.type === "accepted" && x.hubDocumentId === statusId);
      if (own?.data?.refersTo !== undefined && own.data.refersTo !== id) {
        problems.push(
          `seq ${r.seq} (status) is about ${String(statusId)}, which the chain says refers to ${String(own.data.refersTo)}`,
        );
      }
    }
  }
  return problems.length > 0
    ? fail("RECEIPTS_BELONG", `${PATHS.receipts}: ${problems.join("; ")}`)
    : pass(
        "RECEIPTS_BELONG",
        `the accepted receipt (seq ${acc?.seq}) attests ${PATHS.letter}'s SHA-256; ${mine.length} receipts of ${id}, all on its own deliveries (${deliveries.size})`,
      );
}
