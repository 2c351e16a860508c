import type { Bus } from "@edoc/bus";
import type { Directory, OrganId } from "@edoc/directory";
import {
  EdxmlError,
  type Letter,
  type Packet,
  parsePacket,
  responseForLetter,
  type StatusPacket,
} from "@edoc/edxml";
import { checkPeerSender } from "@edoc/federation";
import {
  type AcceptRequest,
  BLOB_CHUNK,
  type HopTrace,
  type HubId,
  type PdfCheck,
} from "@edoc/messages";
import { DEFAULT_PDF_POLICY, type PdfPolicy } from "@edoc/pades";
import { acceptanceReceiptTemplate } from "@edoc/receipts";
import {
  checkSender,
  hubDocumentIdFor,
  isKnownStatusCode,
  normalizeStatusCode,
  planLetter,
} from "@edoc/routing";
import {
  type DetachedTexts,
  type TrustPolicy,
  type VerificationReport,
  verifyPacket,
} from "@edoc/signature";
import type { Caller } from "./auth.js";
import { bodyDigest, type PacketBody } from "./body.js";
import { ApiError } from "./errors.js";
import { checkPdfs } from "./pdf-check.js";
import { callArchive } from "./rpc.js";
import { SPOOL_READ } from "./spool.js";

export interface SubmitDeps {
  bus: Bus;
  directory: () => Directory;
  trust: () => TrustPolicy;
  /** The per-agency PDF signature policy (EDOC_PDF_POLICY_FILE); default: record only. */
  pdfPolicy?: PdfPolicy;
  /**
   * Signs the acceptance receipt with the hub's receipt key (XML-DSig, by the signer service):
   * the receipt's template and its canonical form, signed without a parse (signCanonicalRemote).
   */
  signReceipt: (receipt: { xml: string; canonical: string }) => Promise<string>;
  /** This hub has an upstream: an addressee unknown here goes there (the router agrees). */
  upstream?: boolean;
}

/**
 * A packet a peer hub brings (federation): From is not the caller's agency but a remote one,
 * vouched for by its signature alone; the archive records where it came from and its hops.
 */
export interface PeerOrigin {
  fromHub: HubId;
  trace: HopTrace;
}

export interface SubmitResult {
  status: 200 | 202;
  body: {
    hubDocumentId: string;
    outcome: "accepted" | "duplicate";
    receivedAt: string;
    digest: string;
    recipients: { addressedTo: string; recipient: string; via: string[] }[];
    receipt: string;
    /** Accepted despite these (soft-fail revocation): recorded with the packet too. */
    warnings?: { code: string; message: string }[];
    /** Letters: each PDF's verdict, and whether the sender's policy (warn) flags the letter. */
    pdfSignatures?: { warning: boolean; pdfs: { path: string; verdict: string }[] };
  };
}

function pdfSummary(c: PdfCheck): NonNullable<SubmitResult["body"]["pdfSignatures"]> {
  return { warning: c.warning, pdfs: c.pdfs.map((p) => ({ path: p.path, verdict: p.verdict })) };
}

/**
 * Judges one packet as received and hands it to the archive. Everything the hub acts on
 * (From, To, DocumentId, status) is read from the bytes the signature covers, never from the
 * raw document, so a wrapped or appended element cannot redirect a letter.
 */
export async function submitPacket(
  deps: SubmitDeps,
  caller: Caller,
  body: PacketBody,
  expected: Packet["kind"],
  peer?: PeerOrigin,
): Promise<SubmitResult> {
  const receivedAt = new Date();
  // Judged as of reception: a signed XAdES SigningTime is the signer's own claim and must not
  // move the validation time before an expiry or a revocation.
  const trust = deps.trust();
  const { report, packet } = await verify(body, { ...trust, at: receivedAt });
  if (!packet) throw ApiError.of("EDXML_INVALID", "the signed content is not an edXML packet");
  if (packet.kind !== expected) {
    const where = packet.kind === "letter" ? "POST /api/v1/documents" : "POST /api/v1/statuses";
    throw ApiError.of("WRONG_ENDPOINT", `this is a ${packet.kind} packet: send it to ${where}`);
  }
  const from = packet.kind === "letter" ? packet.header.from.organId : packet.from.organId;
  const directory = deps.directory();
  if (peer) checkRemoteSender(directory, from, peer.fromHub, receivedAt);
  else {
    if (!caller.actingFor.includes(from)) {
      throw ApiError.of("SENDER_NOT_AUTHORISED", `${caller.organId} may not send as ${from}`, {
        actingFor: caller.actingFor,
      });
    }
    const sender = checkSender(from, directory, receivedAt);
    if (!sender.ok) throw ApiError.of(sender.code, sender.message);
  }

  if (packet.kind === "status") checkStatusCode(packet.statusCode);
  const pdfCheck =
    packet.kind === "letter"
      ? await checkPdfs(packet, body, trust, receivedAt, deps.pdfPolicy ?? DEFAULT_PDF_POLICY)
      : undefined;

  const digest = bodyDigest(body);
  const summary =
    packet.kind === "letter"
      ? letterSummary(packet, directory, receivedAt, deps.upstream ?? false)
      : statusSummary(packet);
  const hubDocumentId = hubDocumentIdFor({
    from,
    docType: summary.docType,
    documentId: summary.documentId,
    digest,
  });
  // Signed before anything is stored: no signer, no acceptance (503), nothing half kept.
  const receiptXml = await deps.signReceipt(
    acceptanceReceiptTemplate({
      receiptId: `acc_${hubDocumentId.slice(4)}`,
      hubDocumentId,
      documentId: summary.documentId,
      from,
      to: summary.recipients.map((r) => r.recipient as OrganId),
      digest,
      receivedAt: receivedAt.toISOString(),
    }),
  );
  const signer = report.signer;
  const request: AcceptRequest = {
    hubDocumentId,
    kind: packet.kind,
    docType: summary.docType,
    from,
    submittedBy: peer ? from : caller.organId,
    ...(peer ? { fromHub: peer.fromHub, trace: peer.trace } : {}),
    documentId: summary.documentId,
    to: summary.recipients.map((r) => r.recipient),
    ...summary.extra,
    digest,
    size: body.size,
    receivedAt: receivedAt.toISOString(),
    signer: {
      subject: signer?.subject ?? "",
      serialNumber: signer?.serialNumber ?? "",
      organIds: signer?.organIds ?? [],
      fingerprintSha256: signer?.fingerprintSha256 ?? "",
      ...(report.algorithm ? { algorithm: report.algorithm } : {}),
      ...(report.warnings ? { warnings: report.warnings } : {}),
    },
    ...(pdfCheck ? { pdfCheck } : {}),
    receiptXml,
    ...(body.kind === "inline"
      ? { edxml: body.bytes.toString("base64") }
      : { chunks: await uploadChunks(deps.bus, hubDocumentId, body) }),
  };
  const result = await callArchive(deps.bus, "packets.accept", request, 30_000).catch(
    (err: unknown) => {
      throw packet.kind === "status" ? unknownLetter(err, packet) : err;
    },
  );
  return {
    status: result.outcome === "accepted" ? 202 : 200,
    body: {
      hubDocumentId: result.hubDocumentId,
      outcome: result.outcome,
      receivedAt: result.receivedAt,
      digest,
      recipients: summary.recipients,
      receipt: result.receiptXml,
      ...(report.warnings ? { warnings: report.warnings } : {}),
      ...(pdfCheck ? { pdfSignatures: pdfSummary(pdfCheck) } : {}),
    },
  };
}

/**
 * From a peer hub: never one of this hub's own agencies, never a closed one; an agency this
 * hub does not know is the upstream's business (its signature was verified all the same).
 */
function checkRemoteSender(directory: Directory, from: OrganId, hub: HubId, at: Date): void {
  const peer = checkPeerSender(directory, from, hub, at);
  if (!peer.ok) throw ApiError.of(peer.code, peer.message);
  const sender = checkSender(from, directory, at);
  if (!sender.ok && sender.code !== "SENDER_UNKNOWN")
    throw ApiError.of(sender.code, sender.message);
}

/**
 * Hands a spooled packet's bytes to the archive 1 MiB at a time, in order (`blobs.putChunk`,
 * idempotent by `<hubDocumentId>:<index>`), so no message and no process holds them whole.
 * Each slice is the raw body of its message (read into one reused buffer: amqplib has written
 * it to the socket by the time the call is answered).
 * Returns the number of chunks for `packets.accept`.
 */
async function uploadChunks(
  bus: Bus,
  hubDocumentId: string,
  body: Extract<PacketBody, { kind: "spooled" }>,
): Promise<number> {
  let index = 0;
  for (const slice of body.spool.read(0, body.size, BLOB_CHUNK, true)) {
    const out = await callArchive(bus, "blobs.putChunk", { hubDocumentId, index }, 30_000, slice);
    index++;
    // Already stored complete (a resent letter): nothing more to upload.
    if (!out.stored) return Math.ceil(body.size / BLOB_CHUNK);
  }
  return index;
}

/** A spooled body's runs for verification, read from the spool on demand. */
function detachedOf(body: Extract<PacketBody, { kind: "spooled" }>): DetachedTexts {
  return {
    prefix: body.prefix,
    runs: body.runs.map((r) => ({
      token: r.token,
      decodedSize: r.decodedSize,
      read: () => body.spool.read(r.offset, r.length, SPOOL_READ, true),
    })),
  };
}

async function verify(
  body: PacketBody,
  policy: TrustPolicy,
): Promise<{ report: VerificationReport; packet?: Packet }> {
  const bytes = body.kind === "inline" ? body.bytes : body.skeleton;
  let outcome: { report: VerificationReport; packet?: Packet };
  try {
    outcome =
      body.kind === "inline"
        ? await verifyPacket(bytes, policy)
        : await verifyPacket(bytes, policy, detachedOf(body));
  } catch (err) {
    if (err instanceof EdxmlError) {
      throw ApiError.of(err.code, err.message, { issues: err.issues });
    }
    throw err;
  }
  const { report } = outcome;
  if (!report.valid && report.signedXml === undefined) notEdxml(bytes, policy);
  if (!report.valid) {
    const codes = report.reasons.map((r) => r.code);
    const code = codes.includes("SIGNER_NOT_BOUND")
      ? "SIGNER_NOT_BOUND"
      : codes.some((c) => /^(CERT|CRL|REVOCATION)_/.test(c))
        ? "SIGNATURE_UNTRUSTED"
        : "SIGNATURE_INVALID";
    throw ApiError.of(code, report.reasons.map((r) => `${r.code}: ${r.message}`).join("; "), {
      reasons: report.reasons,
    });
  }
  return outcome;
}

/** 07–12 parse but QCVN 102:2016 defines no meaning for them: refused before the archive. */
function checkStatusCode(raw: string): void {
  let code: string;
  try {
    code = normalizeStatusCode(raw);
  } catch {
    code = raw;
  }
  if (!isKnownStatusCode(code)) {
    throw ApiError.of(
      "STATUS_UNKNOWN",
      `status code ${JSON.stringify(raw)} is not in QCVN 102:2016's list (01–06, 13, 15, 16)`,
    );
  }
}

/**
 * A status about a letter the reporter is no party to gets the same answer as one about a letter
 * that does not exist: otherwise any agency could probe which DocumentIds another agency sent.
 */
function unknownLetter(err: unknown, s: StatusPacket): unknown {
  if (
    err instanceof ApiError &&
    (err.code === "STATUS_NOT_RECEIVED" || err.code === "STATUS_UNKNOWN_DOCUMENT")
  ) {
    return ApiError.of(
      "STATUS_UNKNOWN_DOCUMENT",
      `no letter ${JSON.stringify(s.responseFor.documentId)} from ${s.responseFor.organId} that ${s.from.organId} sent or received passed through this hub`,
    );
  }
  return err;
}

/**
 * A document with no usable signature may not be an edXML packet at all (an HTML page, another
 * XML format): say that rather than "signature missing". Only on this failure path is the input
 * read a second time.
 */
function notEdxml(bytes: Buffer, policy: TrustPolicy): void {
  try {
    parsePacket(bytes, policy.limits);
  } catch (err) {
    if (err instanceof EdxmlError && err.code === "EDXML_NOT_EDXML") {
      throw new ApiError(err.code, err.message, 400, { issues: err.issues });
    }
  }
}

interface Summary {
  docType: AcceptRequest["docType"];
  documentId: string;
  recipients: { addressedTo: string; recipient: string; via: string[] }[];
  extra: Partial<
    Pick<
      AcceptRequest,
      "subject" | "code" | "promulgationDate" | "priority" | "relatedDocumentId" | "status"
    >
  >;
}

function letterSummary(letter: Letter, directory: Directory, at: Date, upstream: boolean): Summary {
  const plan = planLetter(letter, directory, at, { upstream });
  const refused = plan.returned.filter(
    (r) => r.reason === "RECIPIENT_UNKNOWN" || r.reason === "RECIPIENT_INACTIVE",
  );
  if (refused.length > 0) {
    const code = refused.some((r) => r.reason === "RECIPIENT_UNKNOWN")
      ? "RECIPIENT_UNKNOWN"
      : "RECIPIENT_INACTIVE";
    throw ApiError.of(code, refused.map((r) => r.message).join("; "), { recipients: refused });
  }
  if (plan.deliveries.length === 0) {
    throw ApiError.of("NO_RECIPIENT", "the letter has no recipient other than its sender", {
      returned: plan.returned,
    });
  }
  const h = letter.header;
  const priority = h.otherInfo?.priority;
  const related = letter.business.documentId;
  // Code and PromulgationDate as a status answering this letter repeats them (ResponseFor).
  const answered = responseForLetter(letter);
  return {
    docType: letter.business.docType,
    documentId: h.documentId,
    recipients: plan.deliveries.map((d) => ({
      addressedTo: d.addressedTo,
      recipient: d.recipient,
      via: d.via,
    })),
    extra: {
      subject: h.subject,
      code: answered.code,
      promulgationDate: answered.promulgationDate,
      ...(priority !== undefined ? { priority } : {}),
      ...(related ? { relatedDocumentId: related } : {}),
    },
  };
}

function statusSummary(s: StatusPacket): Summary {
  return {
    docType: "status",
    documentId: s.responseFor.documentId,
    recipients: [],
    extra: {
      status: {
        code: s.statusCode,
        responseForOrganId: s.responseFor.organId,
        responseForDocumentId: s.responseFor.documentId,
        ...(s.description ? { description: s.description } : {}),
      },
    },
  };
}
