import type { OrganId } from "@edoc/directory";
import {
  buildLetter,
  buildStatus,
  decodeAttachment,
  EDXML_NS,
  type Letter,
  parseLetter,
  parsePacket,
  parseXml,
  type StatusPacket,
} from "@edoc/edxml";
import { describe, expect, it } from "vitest";
import { edxmlError, sample } from "./helpers.js";

const PARSABLE = [
  "vpcp-sdk/edoc_replacement.edxml",
  "vpcp-sdk/edoc_revocation.edxml",
  "vpcp-sdk/edoc_update.edxml",
  "field/lgsp_signature_stub.edxml",
  "vpcp-sdk/status.edxml",
  "vpcp-sdk/status_acceptance_03.edxml",
  "vpcp-sdk/status_assignment_04.edxml",
  "vpcp-sdk/status_cancellation_13.edxml",
  "vpcp-sdk/status_change-acceptance_15.edxml",
  "vpcp-sdk/status_change-rejection_16.edxml",
  "vpcp-sdk/status_finish_06.edxml",
  "vpcp-sdk/status_inbox_01.edxml",
  "vpcp-sdk/status_processing_05.edxml",
  "vpcp-sdk/status_rejection_02.edxml",
];

function build(p: Letter | StatusPacket): string {
  return p.kind === "letter" ? buildLetter(p) : buildStatus(p);
}

describe("build → parse → build is byte-stable", () => {
  it.each(PARSABLE)("%s", (name) => {
    const parsed = parsePacket(sample(name));
    const first = build(parsed);
    const reparsed = parsePacket(first);
    expect(reparsed).toEqual({ ...parsed, hasSignature: false });
    expect(build(reparsed)).toBe(first);
  });

  it("edoc_new.edxml once its stray bytes and malformed id are fixed", () => {
    const fixed = sample("vpcp-sdk/edoc_new.edxml")
      .subarray(4)
      .toString("utf8")
      .replace(">28.22.H17<", ">000.28.22.H17<");
    const first = buildLetter(parseLetter(fixed));
    expect(buildLetter(parseLetter(first))).toBe(first);
  });
});

describe("canonical form", () => {
  const letter = parseLetter(sample("vpcp-sdk/edoc_update.edxml"));
  const xml = buildLetter(letter);

  it("uses the edXML prefix bound once on the root, UTF-8, LF line ends, no Signature", () => {
    expect(
      xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<edXML:edXML xmlns:edXML="'),
    ).toBe(true);
    expect(xml.match(/xmlns/g)).toHaveLength(1);
    expect(xml).not.toContain("\r");
    expect(xml).not.toContain("Signature");
    expect(xml).not.toMatch(/<(?!\/|\?|edXML:)/);
    const doc = parseXml(xml);
    expect(doc.documentElement?.namespaceURI).toBe(EDXML_NS);
  });

  it("writes the SDK element order whatever order was read", () => {
    const order = [...xml.matchAll(/^ {8}<edXML:(\w+)/gm)].map((m) => m[1]);
    expect([...new Set(order)]).toEqual([
      "From",
      "To",
      "DocumentId",
      "Code",
      "PromulgationInfo",
      "DocumentType",
      "Subject",
      "Content",
      "SignerInfo",
      "DueDate",
      "OtherInfo",
      "SteeringType",
      "ToPlaces",
      "TraceHeader",
      "Bussiness",
      "Reference",
    ]);
  });

  it("writes content ids as cid:, whether given bare or prefixed", () => {
    const a = letter.attachments[0];
    if (!a) throw new Error("sample has an attachment");
    const rebuilt = buildLetter({
      ...letter,
      manifest: [{ contentId: "cid:209" }],
      attachments: [{ ...a, contentId: "209" }],
    });
    expect(rebuilt.match(/<edXML:ContentId>cid:209<\/edXML:ContentId>/g)).toHaveLength(2);
  });

  it("escapes markup characters and keeps CR, tabs and Vietnamese text intact", () => {
    const subject = "Về <việc> \"A\" & 'B'\r\nvà\tC ]]> Đ";
    const built = buildLetter({ ...letter, header: { ...letter.header, subject } });
    expect(built).toContain("Về &lt;việc&gt; \"A\" &amp; 'B'&#13;\nvà\tC ]]&gt; Đ");
    expect(parseLetter(built).header.subject).toBe(subject);
  });

  it("keeps base64 line wrapping exactly as held", () => {
    const a = letter.attachments[0];
    if (!a) throw new Error("sample has an attachment");
    const wrapped = a.encoded.replace(/(.{76})/g, "$1\n");
    const built = buildLetter({ ...letter, attachments: [{ ...a, encoded: wrapped }] });
    const back = parseLetter(built).attachments[0];
    expect(back?.encoded).toBe(wrapped);
    expect(back?.size).toBe(a.size);
    expect(back && decodeAttachment(back).equals(decodeAttachment(a))).toBe(true);
  });

  it("writes status traces after the MessageHeader", () => {
    const s = parsePacket(sample("vpcp-sdk/status_finish_06.edxml"));
    if (s.kind !== "status") throw new Error("status sample");
    const traced = {
      ...s,
      traces: [{ organId: "000.00.00.H41" as OrganId, timestamp: "2015/09/20 11:09:00" }],
    };
    const built = buildStatus(traced);
    expect(built).toMatch(/<\/edXML:MessageHeader>\n {6}<edXML:TraceHeaderList>/);
    expect(parsePacket(built)).toEqual({ ...traced, hasSignature: false });
  });
});

describe("building is strict", () => {
  const letter = parseLetter(sample("vpcp-sdk/edoc_revocation.edxml"));

  it("refuses what the parser would refuse, listing every issue", () => {
    const err = edxmlError(
      () =>
        buildLetter({
          ...letter,
          header: {
            ...letter.header,
            subject: "x".repeat(501),
            otherInfo: { appendixes: [], priority: 7 as 0 },
            promulgation: { date: "2018/13/01" },
          },
        }),
      "EDXML_INVALID",
    );
    expect(err.issues.map((i) => [i.path, i.rule])).toEqual([
      [
        "edXMLEnvelope/edXMLHeader/MessageHeader/PromulgationInfo/PromulgationDate",
        "date-calendar",
      ],
      ["edXMLEnvelope/edXMLHeader/MessageHeader/Subject", "max-length"],
      ["edXMLEnvelope/edXMLHeader/MessageHeader/OtherInfo/Priority", "priority-range"],
    ]);
  });

  it("refuses characters XML cannot carry, naming the field", () => {
    const to = [...letter.header.to];
    const second = to[1];
    if (!second) throw new Error("sample has 3 recipients");
    to[1] = { ...second, organName: "bad\u0000name" };
    const err = edxmlError(
      () => buildLetter({ ...letter, header: { ...letter.header, to } }),
      "EDXML_INVALID",
    );
    expect(err.issues).toEqual([
      {
        path: "edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganName",
        rule: "xml-char",
        message: "character U+0000 cannot be carried in XML",
      },
    ]);
  });

  it("refuses a status without its required fields", () => {
    const s = parsePacket(sample("vpcp-sdk/status.edxml"));
    if (s.kind !== "status") throw new Error("status sample");
    const err = edxmlError(() => buildStatus({ ...s, timestamp: " " }), "EDXML_INVALID");
    expect(err.issues).toEqual([
      {
        path: "edXMLEnvelope/edXMLHeader/MessageHeader/Timestamp",
        rule: "required",
        message: "Timestamp is required",
      },
    ]);
  });
});
