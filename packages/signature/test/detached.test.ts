import { randomBytes } from "node:crypto";
import type { OrganId } from "@edoc/directory";
import { EdxmlError } from "@edoc/edxml";
import { createDevPki, type IssuedKeyPair, issueAgencyCertificate } from "@edoc/pki";
import {
  type DetachedRun,
  type DetachedTexts,
  signEdxml,
  type TrustPolicy,
  verifyPacket,
} from "@edoc/signature";
import { beforeAll, describe, expect, it } from "vitest";
import { letterXml } from "./fixtures.js";

const A = "000.00.12.H53" as OrganId;
const DAY = 24 * 3600 * 1000;

let agency: IssuedKeyPair;
let issuing: string;
let policy: TrustPolicy;

beforeAll(async () => {
  const pki = await createDevPki({ now: new Date(Date.now() - 10 * DAY) });
  agency = await issueAgencyCertificate(pki, { organId: A, name: "Sở Tài chính" });
  issuing = pki.issuing.certificatePem;
  policy = { trustAnchors: [pki.root.certificatePem] };
});

function sign(xml: string): string {
  return signEdxml(xml, {
    privateKeyPem: agency.privateKeyPem,
    certificatePem: agency.certificatePem,
    chainPems: [issuing],
  });
}

/** Yields `bytes` in slices of `size` (odd, so CRLF pairs get split across slices). */
function* slices(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/**
 * What the gateway's spool scanner does, written plainly: every long base64 run between `>`
 * and `<` replaced by a placeholder.
 */
function cut(xml: string, slice = 99_991): { skeleton: string; detached: DetachedTexts } {
  const prefix = `EDOCDETACHED${randomBytes(16).toString("hex")}N`;
  const runs: DetachedRun[] = [];
  const skeleton = xml.replace(/>([A-Za-z0-9+/=\s]{65536,})</g, (_m, run: string) => {
    const token = `${prefix}${runs.length}X`;
    const bytes = Buffer.from(run, "latin1");
    runs.push({
      token,
      decodedSize: Buffer.from(run.replace(/\s/g, ""), "base64").length,
      read: () => slices(bytes, slice),
    });
    return `>${token}<`;
  });
  return { skeleton, detached: { prefix, runs } };
}

/** A letter with one PDF attachment of `bytes` random bytes, base64 in `lineEnd`-wrapped lines. */
function bigLetter(bytes: number, lineEnd?: string): string {
  const b64 = randomBytes(bytes).toString("base64");
  const text = lineEnd ? (b64.match(/.{1,76}/g) ?? []).join(lineEnd) : b64;
  return letterXml(A, { attachment: text, contentType: "application/pdf" });
}

describe("verification over a skeleton with detached runs", () => {
  let signed: string;
  beforeAll(() => {
    signed = sign(bigLetter(2_300_000)); // ≈ 3 MB packet
  });

  it("gives the same verdict and packet as the whole document", async () => {
    const whole = await verifyPacket(signed, policy);
    const { skeleton, detached } = cut(signed);
    expect(detached.runs).toHaveLength(1);
    expect(skeleton.length).toBeLessThan(20_000);
    const parts = await verifyPacket(skeleton, policy, detached);
    expect(whole.report.valid).toBe(true);
    expect(parts.report.valid).toBe(true);
    expect(parts.report.reasons).toEqual(whole.report.reasons);
    expect(parts.report.signer).toEqual(whole.report.signer);
    expect(parts.report.algorithm).toBe(whole.report.algorithm);
    // The signed content is the same but for the placeholder standing for the run.
    const run = (signed.match(/>([A-Za-z0-9+/=\s]{65536,})</) ?? [])[1] ?? "";
    expect(parts.report.signedXml?.replace(detached.runs[0]!.token, run)).toBe(
      whole.report.signedXml,
    );
    const [a] = whole.packet?.kind === "letter" ? whole.packet.attachments : [];
    const [b] = parts.packet?.kind === "letter" ? parts.packet.attachments : [];
    expect(b?.size).toBe(2_300_000);
    expect({ ...b, encoded: "" }).toEqual({ ...a, encoded: "" });
  });

  it("reads a run through its bytes for the zip check: a non-zip declared application/zip is ATTACHMENT_NOT_ZIP", async () => {
    const text = randomBytes(100_000).toString("base64");
    const zipLabelled = sign(letterXml(A, { attachment: text, contentType: "application/zip" }));
    const { skeleton, detached } = cut(zipLabelled);
    expect(detached.runs).toHaveLength(1);
    const refused = await verifyPacket(skeleton, policy, detached).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EdxmlError);
    expect((refused as EdxmlError).code).toBe("ATTACHMENT_NOT_ZIP");
    expect((refused as EdxmlError).message).toContain("attachment cid:209 (7816-STC.zip)");
  });

  it("refuses a run changed by one byte", async () => {
    const at = signed.indexOf("<edXML:ContentTransferEncoded") + 200_000;
    const flipped = signed[at] === "A" ? "B" : "A";
    const tampered = signed.slice(0, at) + flipped + signed.slice(at + 1);
    const { skeleton, detached } = cut(tampered);
    const parts = await verifyPacket(skeleton, policy, detached);
    expect(parts.report.valid).toBe(false);
    expect(parts.report.reasons.map((r) => r.code)).toEqual(["SIGNATURE_REFERENCE_INVALID"]);
    expect((await verifyPacket(tampered, policy)).report.valid).toBe(false);
  });

  it("refuses a run the signature does not cover (inside a comment)", async () => {
    // Comments are not signed (exc-C14N without comments): the whole document stays valid,
    // but a run cut out of a comment would be read as signed content.
    const filler = randomBytes(60_000).toString("base64");
    const withComment = signed.replace("</edXML>", `<!-->${filler}<--></edXML>`);
    expect((await verifyPacket(withComment, policy)).report.valid).toBe(true);
    const { skeleton, detached } = cut(withComment);
    expect(detached.runs).toHaveLength(2);
    const parts = await verifyPacket(skeleton, policy, detached);
    expect(parts.report.valid).toBe(false);
    expect(parts.report.reasons.map((r) => r.code)).toEqual(["DETACHED_TEXT_NOT_COVERED"]);
  });

  it("under strictSignatureContent, refuses an unsigned comment on both paths with one code", async () => {
    const strict = { ...policy, strictSignatureContent: true };
    for (const comment of [
      "<!-- chưa ký -->",
      `<!--${randomBytes(60_000).toString("base64")}-->`,
    ]) {
      const withComment = signed.replace("<edXML:edXMLBody>", `${comment}<edXML:edXMLBody>`);
      expect(withComment).not.toBe(signed);
      const whole = (await verifyPacket(withComment, strict)).report;
      const { skeleton, detached } = cut(withComment);
      const parts = (await verifyPacket(skeleton, strict, detached)).report;
      for (const report of [whole, parts]) {
        expect(report.valid).toBe(false);
        expect(report.reasons.map((r) => r.code)).toEqual(["SIGNATURE_MALFORMED"]);
        expect(report.reasons[0]?.message).toMatch(/comment inside edXML\/edXMLEnvelope/);
      }
    }
    // Without comments the strict policy changes nothing on either path.
    const { skeleton, detached } = cut(signed);
    expect((await verifyPacket(skeleton, strict, detached)).report.valid).toBe(true);
  });

  it("refuses a placeholder that appears twice (smuggled into an attribute)", async () => {
    const { skeleton, detached } = cut(signed);
    const token = detached.runs[0]!.token;
    const smuggled = skeleton.replace("<Attachment>", `<Attachment note="${token}">`);
    const parts = await verifyPacket(smuggled, policy, detached);
    expect(parts.report.valid).toBe(false);
    expect(parts.report.reasons.map((r) => r.code)).toEqual(["DETACHED_TEXT_NOT_COVERED"]);
  });

  it("refuses runs out of order", async () => {
    const two = sign(
      letterXml(A).replace(
        /<AttachmentEncoded>[\s\S]*<\/AttachmentEncoded>/,
        `<AttachmentEncoded>${[1, 2]
          .map(
            (n) =>
              `<Attachment><ContentId>${n === 1 ? "cid:209" : "cid:210"}</ContentId><AttachmentName>${n}.pdf</AttachmentName><ContentType>application/pdf</ContentType><ContentTransferEncoded>${randomBytes(100_000).toString("base64")}</ContentTransferEncoded></Attachment>`,
          )
          .join("")}</AttachmentEncoded>`,
      ),
    );
    const { skeleton, detached } = cut(two);
    expect((await verifyPacket(skeleton, policy, detached)).report.valid).toBe(true);
    const swapped = { ...detached, runs: [detached.runs[1]!, detached.runs[0]!] };
    const parts = await verifyPacket(skeleton, policy, swapped);
    expect(parts.report.reasons.map((r) => r.code)).toEqual(["DETACHED_TEXT_NOT_COVERED"]);
  });

  it("hashes CRLF and lone-CR line breaks as the parser normalizes them", async () => {
    for (const eol of ["\r\n", "\r", "\n"]) {
      const xml = sign(bigLetter(300_000, eol));
      const whole = await verifyPacket(xml, policy);
      // 4097: every CRLF pair sooner or later straddles two slices.
      const { skeleton, detached } = cut(xml, 4097);
      const parts = await verifyPacket(skeleton, policy, detached);
      expect(whole.report.valid).toBe(true);
      expect(parts.report.valid).toBe(true);
      const [b] = parts.packet?.kind === "letter" ? parts.packet.attachments : [];
      expect(b?.size).toBe(300_000);
    }
  });

  it("refuses a run standing outside an attachment", async () => {
    const long = randomBytes(60_000).toString("base64");
    const xml = sign(
      letterXml(A).replace("<AttachmentEncoded>", `<Extra>${long}</Extra><AttachmentEncoded>`),
    );
    const { skeleton, detached } = cut(xml);
    await expect(verifyPacket(skeleton, policy, detached)).rejects.toMatchObject({
      code: "EDXML_INVALID",
      issues: [expect.objectContaining({ rule: "detached-text" })],
    });
  });
});
