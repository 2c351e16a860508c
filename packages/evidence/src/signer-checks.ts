// Who signed: the letter's signature and its binding to the hub's acceptance receipt, the
// receipt itself, and the hub certificate.
import { EdxmlError, type Letter } from "@edoc/edxml";
import {
  type VerificationReport,
  verifyCertificate,
  verifyPacket,
  verifyXml,
} from "@edoc/signature";
import { type AcceptanceFields, parseAcceptance } from "./acceptance.js";
import { PATHS } from "./layout.js";
import { errorMessage, fingerprint, type Material, reasonsText } from "./material.js";
import { type BundleReport, type Check, fail, pass } from "./report.js";

interface AcceptanceOutcome {
  check: Check;
  fields?: AcceptanceFields;
  /** Set when the receipt's signature verified with the hub certificate. */
  receivedAt?: Date;
}

export async function checkAcceptance(
  m: Material,
  receiptBytes: Uint8Array | undefined,
): Promise<AcceptanceOutcome> {
  const FILE = PATHS.acceptanceReceipt;
  if (receiptBytes === undefined)
    return { check: fail("ACCEPTANCE_RECEIPT", `${FILE} is missing`) };
  const hubFingerprint = fingerprint(m.hubPem);
  if (hubFingerprint === undefined) {
    return {
      check: fail("ACCEPTANCE_RECEIPT", `${PATHS.hubCertificate} holds no readable certificate`),
    };
  }
  const verify = (at?: Date) =>
    verifyXml(receiptBytes, { trustAnchors: [m.hubPem], ...(at ? { at } : {}) });
  let first: VerificationReport;
  try {
    first = await verify();
  } catch (err) {
    return { check: fail("ACCEPTANCE_RECEIPT", `${FILE} is unreadable: ${errorMessage(err)}`) };
  }
  if (first.signedXml === undefined) {
    return {
      check: fail(
        "ACCEPTANCE_RECEIPT",
        `${FILE}: the hub's signature does not verify: ${reasonsText(first.reasons)}`,
        first.reasons,
      ),
    };
  }
  let fields: AcceptanceFields;
  try {
    fields = parseAcceptance(first.signedXml);
  } catch (err) {
    return { check: fail("ACCEPTANCE_RECEIPT", `${FILE}: ${errorMessage(err)}`) };
  }
  const receivedAt = new Date(fields.receivedAt);
  if (Number.isNaN(receivedAt.getTime())) {
    return {
      check: fail("ACCEPTANCE_RECEIPT", `${FILE}: ReceivedAt ${fields.receivedAt} is not a date`),
      fields,
    };
  }
  // Judged again as of the acceptance time: the hub's certificate may have expired since.
  const report = await verify(m.opts.at ?? receivedAt);
  const problems: string[] = [];
  if (report.reasons.length > 0) {
    problems.push(`the hub's signature does not verify: ${reasonsText(report.reasons)}`);
  }
  if (report.signer && report.signer.fingerprintSha256 !== hubFingerprint) {
    problems.push(`it is signed by ${report.signer.subject}, not by ${PATHS.hubCertificate}`);
  }
  if (fields.digest !== m.letterDigest) {
    problems.push(
      `its Digest is ${fields.digest} but ${PATHS.letter}'s SHA-256 is ${m.letterDigest ?? "(no letter)"}`,
    );
  }
  const same = (label: string, theirs: string, ours: string) => {
    if (theirs !== ours) problems.push(`its ${label} is ${theirs}, the manifest says ${ours}`);
  };
  same("HubDocumentId", fields.hubDocumentId, m.manifest.hubDocumentId);
  same("DocumentId", fields.documentId, m.manifest.documentId);
  same("From", fields.from, m.manifest.from);
  const signedByHub =
    report.signedXml !== undefined && report.signer?.fingerprintSha256 === hubFingerprint;
  const check =
    problems.length > 0
      ? fail("ACCEPTANCE_RECEIPT", `${FILE}: ${problems.join("; ")}`, report.reasons)
      : pass(
          "ACCEPTANCE_RECEIPT",
          `${FILE} is signed by the hub certificate; it attests ${PATHS.letter}'s SHA-256 ${fields.digest}, received ${fields.receivedAt}`,
        );
  return { check, fields, ...(signedByHub ? { receivedAt } : {}) };
}

interface LetterOutcome {
  signature: Check;
  binding: Check;
  /** The letter read from its signed bytes, for the PDF check. */
  packet?: Letter;
  letter?: BundleReport["letter"];
  signer?: BundleReport["signer"];
}

export async function checkLetter(
  m: Material,
  at: Date,
  acceptance: AcceptanceFields | undefined,
): Promise<LetterOutcome> {
  const FILE = PATHS.letter;
  if (m.letter === undefined) {
    const missing = `${FILE} is missing`;
    return {
      signature: fail("LETTER_SIGNATURE", missing),
      binding: fail("SIGNER_BINDING", missing),
    };
  }
  let report: VerificationReport;
  let letter: Letter | undefined;
  try {
    const verified = await verifyPacket(m.letter, {
      trustAnchors: m.opts.trustAnchors,
      intermediates: m.intermediates,
      crls: m.crls,
      at,
      allowSha1: m.opts.allowSha1 === true,
    });
    report = verified.report;
    if (verified.packet?.kind === "letter") letter = verified.packet;
    else if (verified.packet) {
      report.reasons.push({
        code: "SIGNATURE_MALFORMED",
        message: `${FILE} is a status packet, not a letter`,
      });
    }
  } catch (err) {
    if (!(err instanceof EdxmlError)) throw err;
    const message = `${FILE} is not a readable edXML packet: ${err.code}: ${err.message}`;
    return {
      signature: fail("LETTER_SIGNATURE", message),
      binding: fail("SIGNER_BINDING", message),
    };
  }
  const reasons = report.reasons.filter((r) => r.code !== "SIGNER_NOT_BOUND");
  const s = report.signer;
  const anchor = report.chain.at(-1)?.subject;
  const revocation =
    report.revocation === "checked"
      ? `not revoked per the CRL of ${report.crlsUsed.map((c) => c.issuer).join("; ")}`
      : "revocation unchecked (no CRL for the signer's issuer in the bundle)";
  const signature =
    reasons.length > 0
      ? fail(
          "LETTER_SIGNATURE",
          `${FILE}: the sender's signature does not hold as of ${at.toISOString()}: ${reasonsText(reasons)}`,
          reasons,
        )
      : pass(
          "LETTER_SIGNATURE",
          `${FILE} is signed by ${s?.subject} (serial ${s?.serialNumber}), path to ${anchor}, ${revocation}, as of ${at.toISOString()}`,
        );

  const problems: string[] = [];
  const from = letter?.header.from.organId;
  if (!s || !letter) {
    problems.push("no verified signer and letter to bind");
  } else {
    if (!s.organIds.includes(letter.header.from.organId)) {
      problems.push(
        `From is ${from} but the signer's certificate is bound to ${s.organIds.join(", ") || "no OrganId"}`,
      );
    }
    if (from !== m.manifest.from)
      problems.push(`From is ${from}, the manifest says ${m.manifest.from}`);
    if (acceptance && acceptance.from !== from) {
      problems.push(`From is ${from}, the acceptance receipt says ${acceptance.from}`);
    }
    if (letter.header.documentId !== m.manifest.documentId) {
      problems.push(
        `DocumentId is ${letter.header.documentId}, the manifest says ${m.manifest.documentId}`,
      );
    }
  }
  const binding =
    problems.length > 0
      ? fail("SIGNER_BINDING", `${FILE}: ${problems.join("; ")}`)
      : pass("SIGNER_BINDING", `the signer's certificate is bound to From ${from}`);

  return {
    signature,
    binding,
    ...(letter ? { packet: letter } : {}),
    ...(letter && m.letterDigest
      ? {
          letter: {
            from: letter.header.from.organId,
            to: letter.header.to.map((t) => t.organId),
            documentId: letter.header.documentId,
            subject: letter.header.subject,
            digest: m.letterDigest,
          },
        }
      : {}),
    ...(s
      ? {
          signer: {
            subject: s.subject,
            issuer: s.issuer,
            serialNumber: s.serialNumber,
            organIds: s.organIds,
            fingerprintSha256: s.fingerprintSha256,
            notBefore: s.notBefore,
            notAfter: s.notAfter,
            ...(report.algorithm ? { algorithm: report.algorithm } : {}),
            ...(report.xades?.signingTime ? { signingTime: report.xades.signingTime } : {}),
            revocation: report.revocation,
          },
        }
      : {}),
  };
}

export async function checkHub(
  m: Material,
  at: Date,
): Promise<{ check: Check; hub?: BundleReport["hub"] }> {
  const r = await verifyCertificate(m.hubPem, {
    trustAnchors: m.opts.trustAnchors,
    intermediates: m.intermediates,
    crls: m.crls,
    at,
  });
  const c = r.certificate;
  const hub = c ? { hub: { subject: c.subject, fingerprintSha256: c.fingerprintSha256 } } : {};
  if (!r.valid) {
    return {
      check: fail(
        "HUB_CERTIFICATE",
        `${PATHS.hubCertificate} is not trusted as of ${at.toISOString()}: ${reasonsText(r.reasons)}`,
        r.reasons,
      ),
      ...hub,
    };
  }
  return {
    check: pass(
      "HUB_CERTIFICATE",
      `${PATHS.hubCertificate} (${c?.subject}) chains to ${r.chain.at(-1)?.subject}, valid as of ${at.toISOString()}, revocation ${r.revocation}`,
    ),
    ...hub,
  };
}
