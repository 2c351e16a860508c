import type { OrganId } from "@edoc/directory";
import type { VerificationReport } from "@edoc/signature";

export const EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

/** A real zip (one stored entry, 7816-STC.txt), as the SDK's builder zips attachments. */
const ZIP_7816 =
  "UEsDBBQAAAAAAABAoljHc1w/FgAAABYAAAAMAAAANzgxNi1TVEMudHh0Q8O0bmcgdsSDbiA3ODE2L1NUQy1WUFBLAQIUAxQAAAAAAABAoljHc1w/FgAAABYAAAAMAAAAAAAAAAAAAACAAQAAAAA3ODE2LVNUQy50eHRQSwUGAAAAAAEAAQA6AAAAQAAAAAAA";

/** A small edXML letter in the VPCP SDK's layout (default namespace on the root, edXML: prefix inside). */
export function letterXml(
  from: OrganId | string,
  opts: { subject?: string; attachment?: string; contentType?: string } = {},
): string {
  const subject = opts.subject ?? "V/v kết nối, liên thông phần mềm quản lý văn bản";
  const attachment = opts.attachment ?? ZIP_7816;
  const contentType = opts.contentType ?? "application/zip";
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="${EDXML_NS}">
  <edXML:edXMLEnvelope xmlns:edXML="${EDXML_NS}">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>${from}</edXML:OrganId>
          <edXML:OrganizationInCharge>Sở Tài chính</edXML:OrganizationInCharge>
          <edXML:OrganName>Sở Tài chính tỉnh Tây Ninh</edXML:OrganName>
        </edXML:From>
        <edXML:To>
          <edXML:OrganId>000.00.00.H53</edXML:OrganId>
          <edXML:OrganName>UBND tỉnh Tây Ninh</edXML:OrganName>
        </edXML:To>
        <edXML:DocumentId>${from},2024/05/02,7816/STC-VP</edXML:DocumentId>
        <edXML:Code>
          <edXML:CodeNumber>7816</edXML:CodeNumber>
          <edXML:CodeNotation>STC-VP</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Tây Ninh</edXML:Place>
          <edXML:PromulgationDate>2024/05/02</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>1</edXML:Type>
          <edXML:TypeName>Công văn</edXML:TypeName>
        </edXML:DocumentType>
        <edXML:Subject>${subject}</edXML:Subject>
        <edXML:OtherInfo>
          <edXML:Priority>0</edXML:Priority>
        </edXML:OtherInfo>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:TraceHeader>
          <edXML:OrganId>${from}</edXML:OrganId>
          <edXML:Timestamp>2024/05/02 08:00:00</edXML:Timestamp>
        </edXML:TraceHeader>
        <edXML:Bussiness>
          <edXML:BussinessDocType>0</edXML:BussinessDocType>
          <edXML:Paper>0</edXML:Paper>
        </edXML:Bussiness>
      </edXML:TraceHeaderList>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        <edXML:Reference>
          <edXML:ContentId>cid:209</edXML:ContentId>
          <edXML:ContentType>${contentType}</edXML:ContentType>
          <edXML:AttachmentName>7816-STC.zip</edXML:AttachmentName>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <AttachmentEncoded>
    <Attachment>
      <ContentId>cid:209</ContentId>
      <AttachmentName>7816-STC.zip</AttachmentName>
      <ContentType>${contentType}</ContentType>
      <edXML:ContentTransferEncoded xmlns:edXML="${EDXML_NS}">${attachment}</edXML:ContentTransferEncoded>
    </Attachment>
  </AttachmentEncoded>
</edXML>
`;
}

/** The reason codes of a verification report, in order. */
export function codes(report: VerificationReport): string[] {
  return report.reasons.map((r) => r.code);
}
