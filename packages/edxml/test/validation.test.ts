import {
  decodeAttachment,
  type EdxmlIssue,
  parseLetter,
  parsePacket,
  parseStatus,
} from "@edoc/edxml";
import { describe, expect, it } from "vitest";
import { edxmlError, letterXml, NS } from "./helpers.js";

const MH = "edXMLEnvelope/edXMLHeader/MessageHeader";
const BIZ = "edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness";

function issuesOf(xml: string): [string, string][] {
  const err = edxmlError(() => parsePacket(xml), "EDXML_INVALID");
  return err.issues.map((i: EdxmlIssue) => [i.path, i.rule]);
}

const FROM = "<From><OrganId>000.00.00.G22</OrganId></From>";
const TO = "<To><OrganId>000.00.00.H41</OrganId></To>";
const CODE = "<Code><CodeNumber>12</CodeNumber><CodeNotation>VPCP-TTĐT</CodeNotation></Code>";
const PROM = "<PromulgationInfo><PromulgationDate>2024/01/02</PromulgationDate></PromulgationInfo>";
const DOCID = "<DocumentId>000.00.00.G22,2024/01/02,12/VPCP-TTĐT</DocumentId>";
const SUBJECT = "<Subject>Thử nghiệm</Subject>";
const base = (extra = "") => `${FROM}${TO}${DOCID}${CODE}${PROM}${SUBJECT}${extra}`;

describe("letters: every issue is collected into one EDXML_INVALID", () => {
  it("an empty MessageHeader lists each required field", () => {
    expect(issuesOf(letterXml({ header: "" }))).toEqual([
      [`${MH}/From`, "required"],
      [`${MH}/To`, "required"],
      [`${MH}/DocumentId`, "required"],
      [`${MH}/Code`, "required"],
      [`${MH}/PromulgationInfo`, "required"],
      [`${MH}/Subject`, "required"],
    ]);
  });

  it("empty required elements and missing sub-fields", () => {
    const header = `<From><OrganId/></From>${TO}<DocumentId> </DocumentId><Code><CodeNumber>1</CodeNumber></Code>
      <PromulgationInfo><Place>Hà Nội</Place></PromulgationInfo><Subject></Subject>`;
    expect(issuesOf(letterXml({ header }))).toEqual([
      [`${MH}/From/OrganId`, "required"],
      [`${MH}/DocumentId`, "required"],
      [`${MH}/Code/CodeNotation`, "required"],
      [`${MH}/PromulgationInfo/PromulgationDate`, "required"],
      [`${MH}/Subject`, "required"],
    ]);
  });

  it("malformed OrganIds anywhere they are routed by, named by path (TraceHeader ids are kept)", () => {
    const header = `<From><OrganId>28.22.H17</OrganId></From>${TO}<To><OrganId>000.00.00.h41</OrganId></To>
      ${DOCID}${CODE}${PROM}${SUBJECT}
      <ResponseFor><OrganId>1.2.3.4</OrganId><DocumentId>x</DocumentId></ResponseFor>`;
    const trace = `<TraceHeader><OrganId>01.02.G22</OrganId><Timestamp>2018/06/20 16:35:56</Timestamp></TraceHeader>
      <Bussiness><BussinessDocType>3</BussinessDocType><ReplacementInfoList><ReplacementInfo>
        <DocumentId>d</DocumentId><OrganIdList><OrganId>000.00.00.H41</OrganId><OrganId>H41</OrganId></OrganIdList>
      </ReplacementInfo></ReplacementInfoList></Bussiness>`;
    const err = edxmlError(() => parseLetter(letterXml({ header, trace })), "EDXML_INVALID");
    expect(err.issues.map((i) => [i.path, i.rule])).toEqual([
      [`${MH}/From/OrganId`, "organ-id"],
      [`${MH}/To[2]/OrganId`, "organ-id"],
      [`${MH}/ResponseFor[1]/OrganId`, "organ-id"],
      [`${BIZ}/ReplacementInfoList/ReplacementInfo[1]/OrganIdList/OrganId[2]`, "organ-id"],
    ]);
    expect(err.issues[1]?.message).toContain('"000.00.00.h41"');
    expect(err.message).toMatch(
      /^invalid edXML packet \(4 issues\): edXMLEnvelope\/.*\[organ-id\]/,
    );
  });

  it("dates must be yyyy/MM/dd and exist in the calendar", () => {
    const header = `${FROM}${TO}${DOCID}${CODE}
      <PromulgationInfo><PromulgationDate>2014/02/30</PromulgationDate></PromulgationInfo>${SUBJECT}
      <DueDate>2019-01-16</DueDate>
      <ResponseFor><OrganId>000.00.00.H14</OrganId><PromulgationDate>2018/9/28</PromulgationDate><DocumentId>x</DocumentId></ResponseFor>`;
    const trace = `<TraceHeader><OrganId>000.00.00.G22</OrganId><Timestamp>2018/09/28 24:00:00</Timestamp></TraceHeader>
      <TraceHeader><OrganId>000.00.00.G22</OrganId><Timestamp>2018/09/28</Timestamp></TraceHeader>`;
    expect(issuesOf(letterXml({ header, trace }))).toEqual([
      [`${MH}/PromulgationInfo/PromulgationDate`, "date-calendar"],
      [`${MH}/DueDate`, "date-format"],
      [`${MH}/ResponseFor[1]/PromulgationDate`, "date-format"],
      ["edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader[1]/Timestamp", "date-calendar"],
      ["edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader[2]/Timestamp", "date-format"],
    ]);
  });

  it("leap days are real dates", () => {
    const header = base().replace("2024/01/02</PromulgationDate>", "2024/02/29</PromulgationDate>");
    expect(parseLetter(letterXml({ header })).header.promulgation.date).toBe("2024/02/29");
  });

  it("Priority must be 0 to 4; amounts must be integers", () => {
    for (const p of [0, 1, 2, 3, 4] as const) {
      const l = parseLetter(
        letterXml({ header: base(`<OtherInfo><Priority>${p}</Priority></OtherInfo>`) }),
      );
      expect(l.header.otherInfo?.priority).toBe(p);
    }
    const other =
      "<OtherInfo><Priority>5</Priority><PageAmount>2.5</PageAmount><PromulgationAmount>-1</PromulgationAmount></OtherInfo>";
    expect(issuesOf(letterXml({ header: base(other) }))).toEqual([
      [`${MH}/OtherInfo/Priority`, "priority-range"],
      [`${MH}/OtherInfo/PromulgationAmount`, "integer"],
      [`${MH}/OtherInfo/PageAmount`, "integer"],
    ]);
    expect(
      issuesOf(letterXml({ header: base("<OtherInfo><Priority>high</Priority></OtherInfo>") })),
    ).toEqual([[`${MH}/OtherInfo/Priority`, "priority-range"]]);
  });

  it("Subject is at most 500 characters (Vietnamese letters count once)", () => {
    const ok = base().replace("Thử nghiệm", "Ữ".repeat(500));
    expect(parseLetter(letterXml({ header: ok })).header.subject).toHaveLength(500);
    const long = base().replace("Thử nghiệm", "Ữ".repeat(501));
    const err = edxmlError(() => parseLetter(letterXml({ header: long })), "EDXML_INVALID");
    expect(err.issues).toEqual([
      {
        path: `${MH}/Subject`,
        rule: "max-length",
        message: "Subject has 501 characters, at most 500 allowed",
      },
    ]);
  });

  it("CodeNumber and CodeNotation beyond the intended 11 and 30 characters are tolerated", () => {
    const code = `<Code><CodeNumber>123456789012</CodeNumber><CodeNotation>${"QĐ-UBND-".repeat(5)}</CodeNotation></Code>`;
    const l = parseLetter(letterXml({ header: base().replace(CODE, code) }));
    expect(l.header.code.number).toHaveLength(12);
    expect(l.header.code.notation).toHaveLength(40);
  });

  it("keeps every issue while the message names the first ten", () => {
    const tos = Array.from({ length: 12 }, (_, i) => `<To><OrganId>bad-${i}</OrganId></To>`).join(
      "",
    );
    const err = edxmlError(
      () => parseLetter(letterXml({ header: base().replace(TO, tos) })),
      "EDXML_INVALID",
    );
    expect(err.issues).toHaveLength(12);
    expect(err.issues[11]?.path).toBe(`${MH}/To[12]/OrganId`);
    expect(err.message).toMatch(
      /^invalid edXML packet \(12 issues\): .*To\[10\]\/OrganId.*; and 2 more$/,
    );
  });

  it("a single-valued element given twice is ambiguous", () => {
    expect(issuesOf(letterXml({ header: base("<Subject>Khác</Subject>") }))).toEqual([
      [`${MH}/Subject`, "duplicate"],
    ]);
  });
});

describe("letters: lenient reading", () => {
  it("any prefix, namespace declaration and child order", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<q:edXML xmlns:q="${NS}" xmlns:x="urn:other"><q:edXMLEnvelope><q:edXMLHeader>
  <q:TraceHeaderList><x:Business><x:BusinessDocType>1</x:BusinessDocType><q:Paper>1</q:Paper></x:Business></q:TraceHeaderList>
  <q:MessageHeader>${SUBJECT}${PROM}${CODE}${DOCID}<To><OrganId>000.00.00.H14</OrganId></To>${TO}${FROM}</q:MessageHeader>
</q:edXMLHeader></q:edXMLEnvelope></q:edXML>`.replace(/<(\/?)(?!\/|q:|x:|\?)/g, "<$1q:");
    const l = parseLetter(xml);
    expect(l.header.from.organId).toBe("000.00.00.G22");
    expect(l.header.to.map((t) => t.organId)).toEqual(["000.00.00.H14", "000.00.00.H41"]);
    expect(l.business).toEqual({ docType: "revoke", paper: true });
    expect(l.hasSignature).toBe(false);
    expect(l.manifest).toEqual([]);
  });

  it("a letter without a Bussiness block is a new document", () => {
    const l = parseLetter(letterXml({ header: base(), trace: "" }));
    expect(l.business).toEqual({ docType: "new" });
    expect(l.traces).toEqual([]);
  });

  it("an all-empty ResponseFor block means no response", () => {
    const blank =
      "<ResponseFor><OrganId></OrganId><Code/><PromulgationDate></PromulgationDate><DocumentId/></ResponseFor>";
    expect(parseLetter(letterXml({ header: base(blank) })).header.responseFor).toEqual([]);
  });

  it("a Signature element under edXMLHeader, in any namespace, sets hasSignature", () => {
    const xml = letterXml().replace(
      "</edXMLHeader>",
      `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/></Signature></edXMLHeader>`,
    );
    expect(parseLetter(xml).hasSignature).toBe(true);
  });
});

describe("letters: business blocks", () => {
  it("rejects an unknown BussinessDocType and Paper value", () => {
    const trace = "<Bussiness><BussinessDocType>4</BussinessDocType><Paper>yes</Paper></Bussiness>";
    expect(issuesOf(letterXml({ trace }))).toEqual([
      [`${BIZ}/BussinessDocType`, "enum"],
      [`${BIZ}/Paper`, "enum"],
    ]);
  });

  it("an update must name the updated document; a replacement must list what it replaces", () => {
    expect(
      issuesOf(
        letterXml({ trace: "<Bussiness><BussinessDocType>2</BussinessDocType></Bussiness>" }),
      ),
    ).toEqual([[`${BIZ}/DocumentId`, "required"]]);
    expect(
      issuesOf(
        letterXml({ trace: "<Bussiness><BussinessDocType>3</BussinessDocType></Bussiness>" }),
      ),
    ).toEqual([[`${BIZ}/ReplacementInfoList`, "required"]]);
  });
});

describe("letters: manifest and attachments", () => {
  const ref = (id: string) =>
    `<Reference><ContentId>${id}</ContentId><AttachmentName>a.pdf</AttachmentName></Reference>`;
  const att = (id: string, data: string) =>
    `<Attachment><ContentId>${id}</ContentId><ContentType>application/pdf</ContentType><ContentTransferEncoded>${data}</ContentTransferEncoded></Attachment>`;
  const TEXT = "xin chào, Đà Nẵng";
  const HELLO = Buffer.from(TEXT).toString("base64");
  const SIZE = Buffer.byteLength(TEXT); // 22

  it("links cid:209 in the manifest to a bare 209 attachment and back", () => {
    const l = parseLetter(
      letterXml({
        body: ref("cid:209") + ref("210"),
        attachments: att("209", HELLO) + att("cid:210", HELLO),
      }),
    );
    expect(l.manifest.map((m) => m.contentId)).toEqual(["209", "210"]);
    expect(l.attachments.map((a) => [a.contentId, a.size])).toEqual([
      ["209", SIZE],
      ["210", SIZE],
    ]);
  });

  it("a manifest reference whose attachment is missing", () => {
    const err = edxmlError(
      () =>
        parseLetter(letterXml({ body: ref("cid:1") + ref("cid:2"), attachments: att("1", HELLO) })),
      "EDXML_INVALID",
    );
    expect(err.issues).toEqual([
      {
        path: "edXMLEnvelope/edXMLBody/edXMLManifest/Reference[2]/ContentId",
        rule: "attachment-missing",
        message: "no attachment carries ContentId 2",
      },
    ]);
  });

  it("base64 may be wrapped with whitespace; decoding is on demand", () => {
    const wrapped = `\n  ${HELLO.slice(0, 8)}\r\n  ${HELLO.slice(8)}\n`;
    const a = parseLetter(letterXml({ body: ref("1"), attachments: att("1", wrapped) }))
      .attachments[0];
    expect(a?.encoded).toBe(wrapped.replace(/\r\n/g, "\n"));
    expect(a?.size).toBe(SIZE);
    expect(a && decodeAttachment(a).toString()).toBe(TEXT);
  });

  // What the malformed field sample carries instead of data: an unexpanded JMeter function.
  const JMETER_PLACEHOLDER = ["$", "{__StringFromFile(test.txt,,,)}"].join("");

  it("sizes unpadded and padded base64 alike, and rejects what is not base64", () => {
    const unpadded = HELLO.replace(/=+$/, "");
    expect(parseLetter(letterXml({ attachments: att("1", unpadded) })).attachments[0]?.size).toBe(
      SIZE,
    );
    expect(parseLetter(letterXml({ attachments: att("1", "") })).attachments[0]?.size).toBe(0);
    expect(issuesOf(letterXml({ attachments: att("1", JMETER_PLACEHOLDER) }))).toEqual([
      ["AttachmentEncoded/Attachment[1]/ContentTransferEncoded", "base64"],
    ]);
    expect(() => decodeAttachment({ contentId: "x", encoded: "ab$c", size: 2 })).toThrow(
      /not valid base64/,
    );
  });

  it("duplicate content ids and attachments without data", () => {
    expect(
      issuesOf(
        letterXml({
          attachments: `${att("1", HELLO)}${att("cid:1", HELLO)}<Attachment><ContentId>2</ContentId></Attachment>`,
        }),
      ),
    ).toEqual([
      ["AttachmentEncoded/Attachment[2]/ContentId", "duplicate"],
      ["AttachmentEncoded/Attachment[3]/ContentTransferEncoded", "required"],
    ]);
  });

  it("maxAttachmentBytes bounds each attachment", () => {
    const big = Buffer.alloc(3000).toString("base64");
    const xml = letterXml({ attachments: att("1", HELLO) + att("2", big) });
    expect(parseLetter(xml, { maxAttachmentBytes: 3000 }).attachments).toHaveLength(2);
    const err = edxmlError(() => parseLetter(xml, { maxAttachmentBytes: 2999 }), "EDXML_TOO_LARGE");
    expect(err.message).toBe("attachment 2 decodes to 3000 bytes, above the limit of 2999");
    expect(err.issues[0]?.path).toBe("AttachmentEncoded/Attachment[2]/ContentTransferEncoded");
  });
});

describe("status packets", () => {
  const status = (code: string, extra = "") =>
    `<edXML xmlns="${NS}"><edXMLEnvelope><edXMLHeader><MessageHeader>
      <From><OrganId>000.00.00.H41</OrganId></From>
      <ResponseFor><OrganId>000.00.00.G22</OrganId><DocumentId>d1</DocumentId></ResponseFor>
      <StatusCode>${code}</StatusCode><Timestamp>2015/09/20 11:08:36</Timestamp>${extra}
    </MessageHeader></edXMLHeader></edXMLEnvelope></edXML>`;

  it('reads "1" as "01" and keeps "14" as given', () => {
    expect(parseStatus(status("1")).statusCode).toBe("01");
    expect(parseStatus(status("14")).statusCode).toBe("14");
    expect(parseStatus(status("16")).statusCode).toBe("16");
  });

  it("rejects codes outside 01..16", () => {
    for (const code of ["0", "17", "99", "abc", "001"]) {
      expect(issuesOf(status(code))).toEqual([[`${MH}/StatusCode`, "status-code"]]);
    }
  });

  it("requires From, one ResponseFor and Timestamp", () => {
    const bare = `<edXML xmlns="${NS}"><edXMLEnvelope><edXMLHeader><MessageHeader><StatusCode>03</StatusCode>
      <ResponseFor><OrganId>000.00.00.G22</OrganId><DocumentId>d</DocumentId></ResponseFor>
      <ResponseFor><OrganId>000.00.00.G22</OrganId><DocumentId>e</DocumentId></ResponseFor>
      </MessageHeader></edXMLHeader></edXMLEnvelope></edXML>`;
    expect(issuesOf(bare)).toEqual([
      [`${MH}/From`, "required"],
      [`${MH}/ResponseFor`, "duplicate"],
      [`${MH}/Timestamp`, "required"],
    ]);
  });

  it("reads trace headers when present", () => {
    const s = parseStatus(
      status("05").replace(
        "</MessageHeader>",
        "</MessageHeader><TraceHeaderList><TraceHeader><OrganId>000.00.00.H41</OrganId><Timestamp>2015/09/20 11:08:37</Timestamp></TraceHeader></TraceHeaderList>",
      ),
    );
    expect(s.traces).toEqual([{ organId: "000.00.00.H41", timestamp: "2015/09/20 11:08:37" }]);
  });
});
