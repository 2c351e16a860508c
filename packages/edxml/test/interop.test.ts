import { randomBytes } from "node:crypto";
import {
  buildLetter,
  type DetachedSizes,
  type Letter,
  parseLetter,
  parsePacket,
  parseXml,
} from "@edoc/edxml";
import { XMLSerializer } from "@xmldom/xmldom";
import { describe, expect, it } from "vitest";
import { edxmlError, letterXml, sample, zipOf } from "./helpers.js";

// What the official edXML library (EdXML102) reads and refuses, matched at the hub's door.

const ATT = "AttachmentEncoded/Attachment[1]/ContentTransferEncoded";

function withAttachment(bytes: Buffer, contentType = "application/zip", name = "vb.zip"): string {
  return letterXml({
    body: `<Reference><ContentId>cid:7</ContentId><AttachmentName>${name}</AttachmentName></Reference>`,
    attachments: `<Attachment><ContentId>cid:7</ContentId><AttachmentName>${name}</AttachmentName>
      <ContentType>${contentType}</ContentType>
      <ContentTransferEncoded>${bytes.toString("base64").replace(/.{76}/g, "$&\n")}</ContentTransferEncoded></Attachment>`,
  });
}

const DOC = zipOf([["7a1c9e.docx", Buffer.from("Nội dung công văn số 12/VPCP-TTĐT")]]);

describe("attachments declared application/zip must be zip archives", () => {
  it("the SDK samples' real zip attachments pass", () => {
    for (const f of ["edoc_update", "edoc_replacement", "edoc_revocation"]) {
      const l = parseLetter(sample(`vpcp-sdk/${f}.edxml`));
      expect(l.attachments.map((a) => a.contentType)).toEqual(["application/zip"]);
    }
    expect(parseLetter(sample("field/lgsp_signature_stub.edxml")).attachments).toHaveLength(1);
  });

  it("a real zip passes: one entry, several entries, an archive comment, upper-case type", () => {
    for (const zip of [
      DOC,
      zipOf([
        ["a.pdf", Buffer.from("%PDF-1.7 a")],
        ["b.pdf", Buffer.from("%PDF-1.7 b")],
      ]),
      zipOf([["a.txt", Buffer.from("x")]], "ký bởi Văn thư"),
    ]) {
      expect(parseLetter(withAttachment(zip)).attachments[0]?.size).toBe(zip.length);
    }
    expect(
      parseLetter(withAttachment(DOC, "Application/ZIP; name=vb.zip")).attachments,
    ).toHaveLength(1);
  });

  it("a PDF declared application/zip is refused with ATTACHMENT_NOT_ZIP naming the attachment", () => {
    const pdf = Buffer.from("%PDF-1.7\n% công văn\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
    const err = edxmlError(() => parseLetter(withAttachment(pdf)), "ATTACHMENT_NOT_ZIP");
    expect(err.issues).toEqual([{ path: ATT, rule: "zip", message: expect.any(String) }]);
    expect(err.message).toBe(
      'attachment cid:7 (vb.zip) is declared application/zip but is not a zip archive: it does not start with a zip local file header (PK\\3\\4) but with 25 50 44 46 ("%PDF")',
    );
  });

  it("a truncated or damaged zip is refused, each with its reason", () => {
    const cases: [Buffer, string][] = [
      [Buffer.alloc(0), "it is 0 bytes, too short for a zip archive"],
      [DOC.subarray(0, DOC.length - 30), "it has no end-of-central-directory record"],
      [zipOf([]), "it does not start with a zip local file header"],
    ];
    const broken = Buffer.from(DOC);
    broken.write("XX", DOC.length - 22 - 46 - 11, "latin1"); // the central entry's signature
    cases.push([broken, "central directory entry 1 of 1 is unreadable"]);
    const offsets = Buffer.from(DOC);
    offsets.writeUInt32LE(DOC.length, DOC.length - 6); // central directory offset past the end
    cases.push([offsets, "its central directory lies outside the archive"]);
    for (const [bytes, reason] of cases) {
      const err = edxmlError(() => parseLetter(withAttachment(bytes)), "ATTACHMENT_NOT_ZIP");
      expect(err.message).toContain(reason);
    }
  });

  it("the manifest's ContentType counts when the attachment has none; other types are not read", () => {
    const xml = letterXml({
      body: "<Reference><ContentId>cid:7</ContentId><ContentType>application/zip</ContentType></Reference>",
      attachments: `<Attachment><ContentId>cid:7</ContentId><ContentTransferEncoded>${Buffer.from("plain text").toString("base64")}</ContentTransferEncoded></Attachment>`,
    });
    edxmlError(() => parseLetter(xml), "ATTACHMENT_NOT_ZIP");
    expect(parseLetter(withAttachment(Buffer.from("plain text"), "text/plain"))).toBeTruthy();
  });

  it("reads a large attachment as a stream: the central directory is found in the tail", () => {
    const big = zipOf([
      ["scan.pdf", randomBytes(3 * 1024 * 1024)],
      ["phu-luc.pdf", randomBytes(1000)],
    ]);
    expect(parseLetter(withAttachment(big)).attachments[0]?.size).toBe(big.length);
    const cut = big.subarray(0, big.length - 1);
    expect(
      edxmlError(() => parseLetter(withAttachment(cut)), "ATTACHMENT_NOT_ZIP").message,
    ).toContain("no end-of-central-directory record");
  });

  it("a detached text (the gateway's large-body path) is checked through its bytes", () => {
    const check = (bytes: Buffer) => {
      const b64 = bytes.toString("base64").replace(/.{64}/g, "$&\r\n");
      const token = "EDOCDETACHEDtestN0X";
      const detached: DetachedSizes = new Map([
        [
          token,
          {
            decodedSize: bytes.length,
            // odd chunk boundaries, inside base64 quads and CRLFs
            read: () =>
              [...b64.matchAll(/[\s\S]{1,1001}/g)].map((m) => Buffer.from(m[0], "latin1")),
          },
        ],
      ]);
      const xml = withAttachment(Buffer.alloc(0)).replace(
        /<ContentTransferEncoded>[^<]*</,
        `<ContentTransferEncoded>${token}<`,
      );
      return parsePacket(xml, undefined, { detached }) as Letter;
    };
    expect(check(DOC).attachments[0]?.size).toBe(DOC.length);
    edxmlError(() => check(Buffer.from("%PDF-1.7 not a zip at all")), "ATTACHMENT_NOT_ZIP");
  });

  it("buildLetter refuses to write a non-zip declared application/zip", () => {
    const l = parseLetter(withAttachment(DOC));
    const { kind: _k, hasSignature: _h, ...parts } = l;
    expect(buildLetter(parts)).toContain(DOC.toString("base64").slice(0, 40));
    const text = Buffer.from("not a zip");
    const bad: Omit<Letter, "kind" | "hasSignature"> = {
      ...parts,
      attachments: [
        { ...parts.attachments[0]!, encoded: text.toString("base64"), size: text.length },
      ],
    };
    edxmlError(() => buildLetter(bad), "ATTACHMENT_NOT_ZIP");
  });
});

describe("an xlink: prefix used without its declaration", () => {
  const XLINK = '<Reference xlink:href=""><ContentId>cid:7</ContentId></Reference>';
  const xml = withAttachment(DOC).replace(/<Reference>.*?<\/Reference>/s, XLINK);

  it("is read on Reference, as the official library reads it", () => {
    expect(parseLetter(xml).manifest).toEqual([{ contentId: "7" }]);
  });

  it("stays a plain attribute in the DOM: serialised back exactly as written, no declaration", () => {
    const doc = parseXml(xml);
    const ref = doc.getElementsByTagName("Reference")[0];
    const attr = ref?.getAttributeNode("xlink:href");
    expect([attr?.namespaceURI, attr?.prefix]).toEqual([null, null]);
    expect(new XMLSerializer().serializeToString(doc)).toContain(XLINK);
  });

  it("only xlink, only on attributes, and only when the document declares it nowhere", () => {
    const other = xml.replace("xlink:href", "foo:href");
    expect(edxmlError(() => parseLetter(other), "EDXML_NOT_WELL_FORMED").message).toMatch(
      /NamespaceError/,
    );
    const element = xml.replace("<Subject>", "<xlink:extra>x</xlink:extra><Subject>");
    expect(edxmlError(() => parseLetter(element), "EDXML_NOT_WELL_FORMED").message).toContain(
      "<xlink:extra> uses the prefix xlink, which is not declared",
    );
    // Declared in one place and used undeclared in another: a real namespace error.
    const mixed = xml.replace(
      "<Subject>",
      '<Content xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple">c</Content><Subject>',
    );
    edxmlError(() => parseLetter(mixed), "EDXML_NOT_WELL_FORMED");
  });
});

describe("TraceHeader ids that are not OrganIds", () => {
  const traces = ["null", "vxp.saas.03", "001.00.20.TT2", "000.00.00.G22"];
  const trace = `${traces
    .map(
      (id) =>
        `<TraceHeader><OrganId>${id}</OrganId><Timestamp>2025/07/01 00:30:00</Timestamp></TraceHeader>`,
    )
    .join("")}<Bussiness><BussinessDocType>0</BussinessDocType></Bussiness>`;

  it("are kept as written, in order, and written back unchanged", () => {
    const l = parseLetter(letterXml({ trace }));
    expect(l.traces.map((t) => t.organId)).toEqual(traces);
    const { kind: _k, hasSignature: _h, ...parts } = l;
    const built = buildLetter(parts);
    expect(parseLetter(built).traces).toEqual(l.traces);
    expect(built).toContain("<edXML:OrganId>vxp.saas.03</edXML:OrganId>");
  });

  it("an empty one is still an issue; From and To stay checked as OrganIds", () => {
    const empty = letterXml({
      trace:
        "<TraceHeader><OrganId> </OrganId><Timestamp>2025/07/01 00:30:00</Timestamp></TraceHeader>",
    });
    expect(edxmlError(() => parseLetter(empty), "EDXML_INVALID").issues).toEqual([
      expect.objectContaining({
        path: "edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader[1]/OrganId",
        rule: "required",
      }),
    ]);
    const from = letterXml().replace(
      "<OrganId>000.00.00.G22</OrganId>",
      "<OrganId>vxp.saas.03</OrganId>",
    );
    expect(edxmlError(() => parseLetter(from), "EDXML_INVALID").issues[0]?.rule).toBe("organ-id");
  });
});
