import { decodeAttachment, type Letter, parseLetter, parsePacket, parseStatus } from "@edoc/edxml";
import { describe, expect, it } from "vitest";
import { fixtureNames } from "../../../tests/fixtures/paths.js";
import { edxmlError, sample } from "./helpers.js";

const SDK_TO = ["000.00.00.H41", "000.00.00.H14", "000.00.00.G17"];
const SDK_DOCUMENT_ID = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT";

function letter(name: string): Letter {
  const p = parsePacket(sample(name));
  expect(p.kind).toBe("letter");
  return p as Letter;
}

/** Assertions shared by the SDK letters, which differ only in their business block. */
function expectSdkLetter(l: Letter, promulgationDate: string): void {
  expect(l.header.from.organId).toBe("000.00.00.G22");
  expect(l.header.from.organName).toBe("Văn phòng Chính phủ");
  expect(l.header.to.map((o) => o.organId)).toEqual(SDK_TO);
  expect(l.header.documentId).toBe(SDK_DOCUMENT_ID);
  expect(l.header.code).toEqual({ number: "7816", notation: "VPCP-TTĐT" });
  expect(l.header.promulgation).toEqual({ place: "Hà Nội", date: promulgationDate });
  expect(l.header.subject).toBe("V/v kết nối, liên thông phần mềm quản lý văn bản");
  expect(l.header.toPlaces).toEqual(["Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP"]);
  expect(l.header.otherInfo?.priority).toBe(0);
  expect(l.header.otherInfo?.pageAmount).toBe(22);
  expect(l.header.otherInfo?.appendixes).toHaveLength(1);
  expect(l.traces).toEqual([
    { organId: "000.00.00.G22", timestamp: expect.stringMatching(/ 00:00:00$/) },
  ]);
  expect(l.manifest).toEqual([
    {
      contentId: "209",
      contentType: "application/zip",
      description: "1896_QD-TTg_m_294779.doc",
      attachmentName: "1896_QD-TTg_m_294779.doc",
    },
  ]);
  expect(l.attachments).toHaveLength(1);
  expect(l.attachments[0]?.contentId).toBe("209");
  expect(l.hasSignature).toBe(true);
}

describe("SDK letters", () => {
  it("edoc_replacement.edxml: replace with two ReplacementInfo blocks", () => {
    const l = letter("vpcp-sdk/edoc_replacement.edxml");
    expectSdkLetter(l, "2018/09/28");
    expect(l.business.docType).toBe("replace");
    expect(l.business.reason).toBe("Văn bản thay thế");
    expect(l.business.paper).toBe(false);
    expect(l.business.replacements).toEqual([
      {
        documentId: "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT",
        organIds: ["000.00.00.H41", "000.00.00.H14"],
      },
      {
        documentId: "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT",
        organIds: ["000.00.00.H41", "000.00.00.H14"],
      },
    ]);
    expect(l.business.staffInfo).toEqual({
      department: "Văn thư văn phòng",
      staff: "Nguyễn Thị Ngọc Trâm",
      mobile: "84912000001",
      email: "vanthuvanphong@gov.vn",
    });
  });

  it("edoc_revocation.edxml: revoke, answering a document (ResponseFor)", () => {
    const l = letter("vpcp-sdk/edoc_revocation.edxml");
    expectSdkLetter(l, "2018/09/28");
    expect(l.business.docType).toBe("revoke");
    expect(l.business.reason).toBe("Thu hồi văn bản điện tử");
    expect(l.header.responseFor).toEqual([
      {
        organId: "000.00.00.H14",
        code: "267/VPCP-TTĐT",
        documentId: "000.00.04.G14,2012/08/06,267/VPCP-TTĐT",
        promulgationDate: "2018/09/28",
      },
    ]);
  });

  it("edoc_update.edxml: update with changed receivers; the 2014/02/30 DocumentId is opaque", () => {
    const l = letter("vpcp-sdk/edoc_update.edxml");
    expectSdkLetter(l, "2018/09/28");
    expect(l.business).toMatchObject({
      docType: "update",
      documentId: "000.00.00.G22,2014/02/30,7806/VPCP-TTĐT",
      documentInfo: "1",
      documentReceiver: "1",
      receivers: [
        { organId: "000.00.00.H41", receiverType: "0" },
        { organId: "000.00.00.H14", receiverType: "1" },
      ],
    });
  });

  it("records each attachment's decoded size without decoding; decodeAttachment yields the zip", () => {
    const l = letter("vpcp-sdk/edoc_update.edxml");
    const a = l.attachments[0];
    expect(a?.encoded.length).toBe(361_100);
    expect(a?.size).toBe(270_823);
    const bytes = a && decodeAttachment(a);
    expect(bytes?.length).toBe(270_823);
    expect(bytes?.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");
  });

  it("edoc_new.edxml is refused: 4 stray bytes precede the XML declaration", () => {
    const err = edxmlError(
      () => parsePacket(sample("vpcp-sdk/edoc_new.edxml")),
      "EDXML_NOT_WELL_FORMED",
    );
    expect(err.message).toContain('4 bytes precede the XML declaration: "1212"');
    expect(err.position).toEqual({ line: 1, column: 5 });
  });

  it("edoc_new.edxml without the stray bytes is read, and its malformed To OrganId reported", () => {
    const stripped = sample("vpcp-sdk/edoc_new.edxml").subarray(4);
    const err = edxmlError(() => parsePacket(stripped), "EDXML_INVALID");
    expect(err.issues).toEqual([
      {
        path: "edXMLEnvelope/edXMLHeader/MessageHeader/To[1]/OrganId",
        rule: "organ-id",
        message: expect.stringContaining('"28.22.H17"'),
      },
    ]);
  });

  it("edoc_new.edxml without the stray bytes and with a well-formed To OrganId parses to its values", () => {
    const fixed = sample("vpcp-sdk/edoc_new.edxml")
      .subarray(4)
      .toString("utf8")
      .replace("<edXML:OrganId>28.22.H17<", "<edXML:OrganId>000.28.22.H17<");
    const l = parseLetter(fixed);
    expect(l.header.from.organId).toBe("002.00.20.H13");
    expect(l.header.to.map((o) => o.organId)).toEqual(["000.28.22.H17"]);
    // Surrounding whitespace in a text field is not content.
    expect(l.header.to[0]?.organizationInCharge).toBe(
      "UBND xã Hòa Sơn - UBND huyện Hòa Vang - Thành phố Đà Nẵng",
    );
    expect(l.header.documentId).toBe(SDK_DOCUMENT_ID);
    expect(l.header.code).toEqual({ number: "74fass22", notation: "VPCP-TTĐT" });
    expect(l.header.promulgation.date).toBe("2019/01/16");
    expect(l.header.dueDate).toBe("2018/09/28");
    expect(l.business.docType).toBe("new");
    expect(l.business.documentId).toBe("000.00.00.G22,2014/02/30,7806/VPCP-TTĐT");
    expect(l.attachments.map((a) => a.size)).toEqual([270_823]);
    expect(l.hasSignature).toBe(true);
  });
});

describe("field samples", () => {
  it("lgsp_signature_stub.edxml: Bussiness before TraceHeader still reads", () => {
    const l = letter("field/lgsp_signature_stub.edxml");
    expect(l.header.from.organId).toBe("000.00.00.G22");
    expect(l.header.to.map((o) => o.organId)).toEqual(SDK_TO);
    expect(l.header.promulgation.date).toBe("2019/04/11");
    expect(l.business.docType).toBe("new");
    expect(l.traces).toEqual([{ organId: "000.00.00.G22", timestamp: "2019/04/11 00:00:00" }]);
    expect(l.attachments.map((a) => [a.contentId, a.size])).toEqual([["209", 4151]]);
    expect(l.hasSignature).toBe(true);
  });

  it("lgsp_signed_malformed.edxml is not well-formed, with line and column", () => {
    const err = edxmlError(
      () => parsePacket(sample("field/lgsp_signed_malformed.edxml")),
      "EDXML_NOT_WELL_FORMED",
    );
    expect(err.message).toMatch(/at line 73, column 76: .*tag mismatch/);
    expect(err.position).toEqual({ line: 73, column: 76 });
  });
});

const STATUSES: [
  file: string,
  code: string,
  from: string,
  respondsTo: string,
  timestamp: string,
][] = [
  ["status.edxml", "01", "000.00.00.H41", "000.00.00.G22", "2018/09/28 17:25:11"],
  ["status_inbox_01.edxml", "01", "000.00.00.H41", "000.00.00.G22", "2015/09/20 11:08:36"],
  ["status_rejection_02.edxml", "02", "000.00.00.H41", "000.00.00.G22", "2015/09/20 11:08:36"],
  ["status_acceptance_03.edxml", "03", "000.00.00.H41", "000.00.00.G22", "2015/09/20 11:08:36"],
  ["status_assignment_04.edxml", "04", "000.00.00.H41", "000.00.00.G22", "2015/09/20 11:08:36"],
  ["status_processing_05.edxml", "05", "000.00.00.H41", "000.00.00.G22", "2015/09/20 11:08:36"],
  ["status_finish_06.edxml", "06", "000.00.00.H41", "000.00.00.G22", "2015/09/20 11:08:36"],
  // 13: the original sender asks to take the document back, so From and ResponseFor flip.
  ["status_cancellation_13.edxml", "13", "000.00.00.G22", "000.00.00.H41", "2015/09/20 11:08:36"],
  [
    "status_change-acceptance_15.edxml",
    "15",
    "000.00.00.H41",
    "000.00.00.G22",
    "2015/09/20 11:08:36",
  ],
  [
    "status_change-rejection_16.edxml",
    "16",
    "000.00.00.H41",
    "000.00.00.G22",
    "2015/09/20 11:08:36",
  ],
];

describe("SDK status packets", () => {
  it.each(STATUSES)("%s has status %s", (file, code, from, respondsTo, timestamp) => {
    const s = parseStatus(sample(`vpcp-sdk/${file}`));
    expect(s.kind).toBe("status");
    expect(s.statusCode).toBe(code);
    expect(s.from.organId).toBe(from);
    expect(s.responseFor.organId).toBe(respondsTo);
    expect(s.responseFor.documentId).toBe(SDK_DOCUMENT_ID);
    expect(s.responseFor.code).toBe("7816/VPCP-TTĐT");
    expect(s.timestamp).toBe(timestamp);
    expect(s.staffInfo?.staff).toMatch(/tr[aâ]m$/i);
    expect(s.description).toBeTruthy();
    expect(s.traces).toEqual([]);
    expect(s.hasSignature).toBe(false);
    expect(parsePacket(sample(`vpcp-sdk/${file}`))).toEqual(s);
  });
});

it("every real-world sample is covered by a test above", () => {
  const covered = new Set([
    "vpcp-sdk/edoc_new.edxml",
    "vpcp-sdk/edoc_replacement.edxml",
    "vpcp-sdk/edoc_revocation.edxml",
    "vpcp-sdk/edoc_update.edxml",
    "field/lgsp_signature_stub.edxml",
    "field/lgsp_signed_malformed.edxml",
    ...STATUSES.map(([f]) => `vpcp-sdk/${f}`),
  ]);
  const all = ["vpcp-sdk", "field"].flatMap((d) =>
    fixtureNames(`samples/${d}`).map((f) => `${d}/${f}`),
  );
  expect(all.sort()).toEqual([...covered].sort());
});
