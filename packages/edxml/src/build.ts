import { normalizeContentId } from "./attachment.js";
import type { Limits } from "./limits.js";
import { parseLetter, parseStatus } from "./packet.js";
import type {
  Attachment,
  Business,
  Letter,
  ManifestReference,
  MessageHeader,
  Organization,
  ResponseFor,
  StaffInfo,
  StatusPacket,
  TraceHeader,
} from "./types.js";
import { businessDocTypeCode } from "./values.js";
import { el, indexed, leaf, serialize, type XmlNode } from "./writer.js";

const NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";
const PREFIX = "edXML";

/** Built output is re-read for its content rules only; resource limits are the receiver's call. */
const UNBOUNDED: Limits = {
  maxBytes: Number.MAX_SAFE_INTEGER,
  maxDepth: Number.MAX_SAFE_INTEGER,
  maxElements: Number.MAX_SAFE_INTEGER,
  maxAttributes: Number.MAX_SAFE_INTEGER,
  maxComments: Number.MAX_SAFE_INTEGER,
  maxAttachmentBytes: Number.MAX_SAFE_INTEGER,
};

/**
 * Canonical edXML for a letter: fixed element order (the SDK's), prefix `edXML`, UTF-8, no
 * Signature (the signature package adds it). The result is re-read with the parser, so a letter
 * the hub would refuse is never built: invalid values throw the parser's EdxmlError.
 */
export function buildLetter(letter: Omit<Letter, "kind" | "hasSignature">): string {
  const root = el(
    "edXML",
    el(
      "edXMLEnvelope",
      el(
        "edXMLHeader",
        messageHeader(letter.header),
        el("TraceHeaderList", ...traces(letter.traces), business(letter.business)),
      ),
      el("edXMLBody", {
        name: "edXMLManifest",
        attrs: [["version", "1.0"]],
        children: letter.manifest.map((m, i) => indexed(reference(m), i + 1)),
      }),
    ),
    letter.attachments.length === 0
      ? undefined
      : el("AttachmentEncoded", ...letter.attachments.map((a, i) => indexed(attachment(a), i + 1))),
  );
  const xml = serialize(root, PREFIX, NS);
  parseLetter(xml, UNBOUNDED);
  return xml;
}

/** Canonical edXML for a status packet; validated like buildLetter. */
export function buildStatus(s: Omit<StatusPacket, "kind" | "hasSignature">): string {
  const root = el(
    "edXML",
    el(
      "edXMLEnvelope",
      el(
        "edXMLHeader",
        el(
          "MessageHeader",
          organization("From", s.from),
          responseFor(s.responseFor),
          staffInfo(s.staffInfo),
          leaf("StatusCode", s.statusCode),
          leaf("Description", s.description),
          leaf("Timestamp", s.timestamp),
        ),
        s.traces.length === 0 ? undefined : el("TraceHeaderList", ...traces(s.traces)),
      ),
    ),
  );
  const xml = serialize(root, PREFIX, NS);
  parseStatus(xml, UNBOUNDED);
  return xml;
}

/**
 * The ResponseFor of a status answering `letter`: its From, số/ký hiệu as the SDK writes it
 * (`7816/VPCP-TTĐT`), PromulgationDate and DocumentId. The official library reads Code and
 * PromulgationDate from every status and returns null where a hub left them out.
 */
export function responseForLetter(letter: Pick<Letter, "header">): ResponseFor {
  const h = letter.header;
  return {
    organId: h.from.organId,
    code: `${h.code.number}/${h.code.notation}`,
    promulgationDate: h.promulgation.date,
    documentId: h.documentId,
  };
}

function messageHeader(h: MessageHeader): XmlNode {
  const other = h.otherInfo;
  return el(
    "MessageHeader",
    organization("From", h.from),
    ...h.to.map((o, i) => indexed(organization("To", o), i + 1)),
    leaf("DocumentId", h.documentId),
    el("Code", leaf("CodeNumber", h.code.number), leaf("CodeNotation", h.code.notation)),
    el(
      "PromulgationInfo",
      leaf("Place", h.promulgation.place),
      leaf("PromulgationDate", h.promulgation.date),
    ),
    h.documentType &&
      el(
        "DocumentType",
        leaf("Type", h.documentType.type),
        leaf("TypeDetail", h.documentType.typeDetail),
        leaf("TypeName", h.documentType.typeName),
      ),
    leaf("Subject", h.subject),
    leaf("Content", h.content),
    h.signerInfo &&
      el(
        "SignerInfo",
        leaf("Competence", h.signerInfo.competence),
        leaf("Position", h.signerInfo.position),
        leaf("FullName", h.signerInfo.fullName),
      ),
    leaf("DueDate", h.dueDate),
    other &&
      el(
        "OtherInfo",
        leaf("Priority", other.priority),
        leaf("SphereOfPromulgation", other.sphereOfPromulgation),
        leaf("TyperNotation", other.typerNotation),
        leaf("PromulgationAmount", other.promulgationAmount),
        leaf("PageAmount", other.pageAmount),
        leaf("Direction", other.direction),
        other.appendixes.length === 0
          ? undefined
          : el("Appendixes", ...other.appendixes.map((a, i) => indexedLeaf("Appendix", a, i))),
      ),
    ...h.responseFor.map((r, i) => indexed(responseFor(r), i + 1)),
    leaf("SteeringType", h.steeringType),
    h.toPlaces.length === 0
      ? undefined
      : el("ToPlaces", ...h.toPlaces.map((p, i) => indexedLeaf("Place", p, i))),
  );
}

function indexedLeaf(name: string, value: string, i: number): XmlNode | undefined {
  const node = leaf(name, value);
  return node && indexed(node, i + 1);
}

function organization(name: string, o: Organization): XmlNode {
  return el(
    name,
    leaf("OrganId", o.organId),
    leaf("OrganizationInCharge", o.organizationInCharge),
    leaf("OrganName", o.organName),
    leaf("OrganAdd", o.organAdd),
    leaf("Email", o.email),
    leaf("Telephone", o.telephone),
    leaf("Fax", o.fax),
    leaf("Website", o.website),
  );
}

function responseFor(r: ResponseFor): XmlNode {
  return el(
    "ResponseFor",
    leaf("OrganId", r.organId),
    leaf("Code", r.code),
    leaf("PromulgationDate", r.promulgationDate),
    leaf("DocumentId", r.documentId),
  );
}

function staffInfo(s: StaffInfo | undefined): XmlNode | undefined {
  return (
    s &&
    el(
      "StaffInfo",
      leaf("Department", s.department),
      leaf("Staff", s.staff),
      leaf("Mobile", s.mobile),
      leaf("Email", s.email),
    )
  );
}

function traces(list: TraceHeader[]): XmlNode[] {
  return list.map((t, i) =>
    indexed(el("TraceHeader", leaf("OrganId", t.organId), leaf("Timestamp", t.timestamp)), i + 1),
  );
}

function business(b: Business): XmlNode {
  const hasInfo =
    b.documentInfo !== undefined || b.documentReceiver !== undefined || b.receivers !== undefined;
  return el(
    "Bussiness",
    leaf("DocumentId", b.documentId),
    leaf("BussinessDocType", businessDocTypeCode(b.docType)),
    leaf("BussinessDocReason", b.reason),
    leaf("Paper", b.paper === undefined ? undefined : b.paper ? "1" : "0"),
    hasInfo
      ? el(
          "BussinessDocumentInfo",
          leaf("DocumentInfo", b.documentInfo),
          leaf("DocumentReceiver", b.documentReceiver),
          b.receivers &&
            el(
              "ReceiverList",
              ...b.receivers.map((r, i) =>
                indexed(
                  el("Receiver", leaf("OrganId", r.organId), leaf("ReceiverType", r.receiverType)),
                  i + 1,
                ),
              ),
            ),
        )
      : undefined,
    b.replacements &&
      el(
        "ReplacementInfoList",
        ...b.replacements.map((r, i) =>
          indexed(
            el(
              "ReplacementInfo",
              leaf("DocumentId", r.documentId),
              el("OrganIdList", ...r.organIds.map((id, k) => indexedLeaf("OrganId", id, k))),
            ),
            i + 1,
          ),
        ),
      ),
    staffInfo(b.staffInfo),
  );
}

function reference(m: ManifestReference): XmlNode {
  return el(
    "Reference",
    leaf("ContentId", contentId(m.contentId)),
    leaf("ContentType", m.contentType),
    leaf("Description", m.description),
    leaf("AttachmentName", m.attachmentName),
  );
}

function attachment(a: Attachment): XmlNode {
  return el(
    "Attachment",
    leaf("ContentId", contentId(a.contentId)),
    leaf("AttachmentName", a.name),
    leaf("Description", a.description),
    leaf("ContentType", a.contentType),
    // Base64 is written exactly as held, so a received attachment is forwarded byte for byte.
    { name: "ContentTransferEncoded", text: a.encoded },
  );
}

function contentId(id: string): string | undefined {
  const bare = normalizeContentId(id);
  return bare === "" ? undefined : `cid:${bare}`;
}
