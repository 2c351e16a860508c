import type { OrganId } from "@edoc/directory";
import { base64Size, normalizeContentId } from "./attachment.js";
import {
  compact,
  isBlank,
  readOrganization,
  readResponseFor,
  readStaffInfo,
  readTraces,
} from "./common.js";
import { EdxmlError } from "./errors.js";
import type { Limits } from "./limits.js";
import type { DetachedSizes } from "./packet.js";
import type { At, Reader } from "./reader.js";
import { textOf } from "./reader.js";
import type {
  Attachment,
  Business,
  Letter,
  ManifestReference,
  MessageHeader,
  Organization,
  ResponseFor,
} from "./types.js";
import { toBoolean, toBusinessDocType, toCount, toPriority } from "./values.js";

export const SUBJECT_MAX = 500;

/** The parts of an envelope a letter is read from. */
export interface Envelope {
  root: At;
  envelope: At;
  header: At;
  messageHeader: At;
  hasSignature: boolean;
}

/** Placeholders of texts kept outside the document, and those an attachment consumed. */
export interface Detached {
  readonly detached: DetachedSizes;
  readonly used: Set<string>;
}

/** Reads a letter; returns undefined only when issues were recorded. */
export function readLetter(
  r: Reader,
  env: Envelope,
  limits: Limits,
  detached: Detached,
): Letter | undefined {
  const header = readMessageHeader(r, env.messageHeader);
  const traceList = r.one(env.header, "TraceHeaderList");
  const traces = readTraces(r, traceList);
  const business = readBusiness(r, traceList);
  const manifest = readManifest(r, env.envelope);
  const carried = new Set<string>();
  const attachments = readAttachments(r, env.root, limits, carried, detached);
  checkManifestLinks(r, manifest, carried);
  if (!header || !business) return undefined;
  return {
    kind: "letter",
    header,
    traces,
    business,
    manifest: manifest.map((m) => m.ref),
    attachments,
    hasSignature: env.hasSignature,
  };
}

function readMessageHeader(r: Reader, mh: At): MessageHeader | undefined {
  const fromAt = r.one(mh, "From", true);
  const from = fromAt && readOrganization(r, fromAt);
  const toAts = r.all(mh, "To");
  if (toAts.length === 0) r.issue(`${mh.path}/To`, "required", "at least one To is required");
  const to = toAts.map((at) => readOrganization(r, at));
  const documentId = r.text(mh, "DocumentId", { required: true });

  const codeAt = r.one(mh, "Code", true);
  const number = codeAt && r.text(codeAt, "CodeNumber", { required: true });
  const notation = codeAt && r.text(codeAt, "CodeNotation", { required: true });

  const promAt = r.one(mh, "PromulgationInfo", true);
  const place = promAt && r.text(promAt, "Place");
  const date = promAt && r.date(promAt, "PromulgationDate", true);

  const typeAt = r.one(mh, "DocumentType");
  const documentType = typeAt && {
    type: r.text(typeAt, "Type"),
    typeDetail: r.text(typeAt, "TypeDetail"),
    typeName: r.text(typeAt, "TypeName"),
  };
  const subject = r.text(mh, "Subject", { required: true, maxLength: SUBJECT_MAX });
  const content = r.text(mh, "Content");
  const signerAt = r.one(mh, "SignerInfo");
  const signerInfo = signerAt && {
    competence: r.text(signerAt, "Competence"),
    position: r.text(signerAt, "Position"),
    fullName: r.text(signerAt, "FullName"),
  };
  const dueDate = r.date(mh, "DueDate");
  const placesAt = r.one(mh, "ToPlaces");
  const toPlaces = placesAt ? texts(r.all(placesAt, "Place")) : [];
  const otherInfo = readOtherInfo(r, r.one(mh, "OtherInfo"));
  const responseFor = r
    .all(mh, "ResponseFor")
    .filter((at) => !isBlank(at))
    .map((at) => readResponseFor(r, at));
  const steeringType = r.text(mh, "SteeringType");

  if (
    !from ||
    !to.every((o): o is Organization => o !== undefined) ||
    !responseFor.every((x): x is ResponseFor => x !== undefined) ||
    documentId === undefined ||
    number === undefined ||
    notation === undefined ||
    date === undefined ||
    subject === undefined
  ) {
    return undefined;
  }
  return compact({
    from,
    to,
    documentId,
    code: { number, notation },
    promulgation: compact({ place, date }),
    documentType: documentType && compact(documentType),
    subject,
    content,
    signerInfo: signerInfo && compact(signerInfo),
    dueDate,
    toPlaces,
    otherInfo,
    responseFor,
    steeringType,
  });
}

function texts(ats: At[]): string[] {
  return ats.map((at) => textOf(at.el)).filter((t): t is string => t !== undefined);
}

function readOtherInfo(r: Reader, at: At | undefined): MessageHeader["otherInfo"] {
  if (!at) return undefined;
  const priorityText = r.text(at, "Priority");
  const priority = priorityText === undefined ? undefined : toPriority(priorityText);
  if (priorityText !== undefined && priority === undefined) {
    r.issue(
      `${at.path}/Priority`,
      "priority-range",
      `Priority must be an integer 0 to 4, got ${JSON.stringify(priorityText)}`,
    );
  }
  const appendixesAt = r.one(at, "Appendixes");
  return compact({
    priority,
    sphereOfPromulgation: r.text(at, "SphereOfPromulgation"),
    typerNotation: r.text(at, "TyperNotation"),
    promulgationAmount: count(r, at, "PromulgationAmount"),
    pageAmount: count(r, at, "PageAmount"),
    appendixes: appendixesAt ? texts(r.all(appendixesAt, "Appendix")) : [],
    direction: r.text(at, "Direction"),
  });
}

function count(r: Reader, at: At, name: string): number | undefined {
  const value = r.text(at, name);
  if (value === undefined) return undefined;
  const n = toCount(value);
  if (n === undefined) {
    r.issue(
      `${at.path}/${name}`,
      "integer",
      `${name} must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** A letter without a Bussiness block (or without BussinessDocType) is a new document. */
function readBusiness(r: Reader, list: At | undefined): Business | undefined {
  const at = list && r.one(list, "Bussiness");
  if (!at) return { docType: "new" };
  const before = r.issues.length;
  const typeText = r.text(at, "BussinessDocType");
  const docType = typeText === undefined ? "new" : toBusinessDocType(typeText);
  if (docType === undefined) {
    r.issue(
      `${at.path}/BussinessDocType`,
      "enum",
      `BussinessDocType must be 0 (new), 1 (revoke), 2 (update) or 3 (replace), got ${JSON.stringify(typeText)}`,
    );
  }
  const paperText = r.text(at, "Paper");
  const paper = paperText === undefined ? undefined : toBoolean(paperText);
  if (paperText !== undefined && paper === undefined) {
    r.issue(`${at.path}/Paper`, "enum", `Paper must be 0 or 1, got ${JSON.stringify(paperText)}`);
  }
  const documentId = r.text(at, "DocumentId");
  const info = r.one(at, "BussinessDocumentInfo");
  const receiverList = info && r.one(info, "ReceiverList");
  const replacementList = r.one(at, "ReplacementInfoList");
  const business = compact<Business>({
    docType: docType ?? "new",
    reason: r.text(at, "BussinessDocReason"),
    paper,
    documentId,
    documentInfo: info && r.text(info, "DocumentInfo"),
    documentReceiver: info && r.text(info, "DocumentReceiver"),
    receivers: receiverList && readReceivers(r, receiverList),
    replacements: replacementList && readReplacements(r, replacementList),
    staffInfo: readStaffInfo(r, r.one(at, "StaffInfo")),
  });
  if (docType === "update" && documentId === undefined) {
    r.issue(
      `${at.path}/DocumentId`,
      "required",
      "an update (BussinessDocType 2) must name the updated DocumentId",
    );
  }
  if (docType === "replace" && !business.replacements?.length) {
    r.issue(
      `${at.path}/ReplacementInfoList`,
      "required",
      "a replacement (BussinessDocType 3) must list at least one ReplacementInfo",
    );
  }
  return r.issues.length === before ? business : undefined;
}

function readReceivers(r: Reader, list: At): NonNullable<Business["receivers"]> {
  return r.all(list, "Receiver").flatMap((at) => {
    const organId = r.organId(at);
    const receiverType = r.text(at, "ReceiverType");
    return organId === undefined ? [] : [compact({ organId, receiverType })];
  });
}

function readReplacements(r: Reader, list: At): NonNullable<Business["replacements"]> {
  return r.all(list, "ReplacementInfo").flatMap((at) => {
    const documentId = r.text(at, "DocumentId", { required: true });
    const idList = r.one(at, "OrganIdList");
    const organIds: OrganId[] = [];
    for (const idAt of idList ? r.all(idList, "OrganId") : []) {
      const value = textOf(idAt.el);
      const id = value === undefined ? undefined : r.organIdValue(value, idAt.path);
      if (value === undefined) r.issue(idAt.path, "required", "OrganId must not be empty");
      if (id !== undefined) organIds.push(id);
    }
    return documentId === undefined ? [] : [{ documentId, organIds }];
  });
}

interface LocatedReference {
  ref: ManifestReference;
  path: string;
}

function readManifest(r: Reader, envelope: At): LocatedReference[] {
  const body = r.one(envelope, "edXMLBody");
  const manifest = body && r.one(body, "edXMLManifest");
  if (!manifest) return [];
  return r.all(manifest, "Reference").flatMap((at) => {
    const contentId = contentIdOf(r, at);
    if (contentId === undefined) return [];
    const ref = compact({
      contentId,
      contentType: r.text(at, "ContentType"),
      description: r.text(at, "Description"),
      attachmentName: r.text(at, "AttachmentName"),
    });
    return [{ ref, path: `${at.path}/ContentId` }];
  });
}

function contentIdOf(r: Reader, at: At): string | undefined {
  const raw = r.text(at, "ContentId", { required: true });
  if (raw === undefined) return undefined;
  const id = normalizeContentId(raw);
  if (id === "")
    r.issue(`${at.path}/ContentId`, "required", `ContentId ${JSON.stringify(raw)} names no part`);
  return id === "" ? undefined : id;
}

/** Reads AttachmentEncoded; `seen` receives every ContentId present, valid data or not. */
function readAttachments(
  r: Reader,
  root: At,
  limits: Limits,
  seen: Set<string>,
  detached: Detached,
): Attachment[] {
  const list = r.one(root, "AttachmentEncoded");
  if (!list) return [];
  return r.all(list, "Attachment").flatMap((at) => {
    const contentId = contentIdOf(r, at);
    const name = r.text(at, "AttachmentName");
    const description = r.text(at, "Description");
    const contentType = r.text(at, "ContentType");
    const dataAt = r.one(at, "ContentTransferEncoded", true);
    if (contentId !== undefined) {
      if (seen.has(contentId)) {
        r.issue(
          `${at.path}/ContentId`,
          "duplicate",
          `another attachment already has ContentId ${contentId}`,
        );
      }
      seen.add(contentId);
    }
    if (!dataAt) return [];
    const encoded = dataAt.el.textContent ?? "";
    const size = sizeOf(encoded, detached);
    if (size === undefined) {
      r.issue(dataAt.path, "base64", "ContentTransferEncoded is not valid base64");
      return [];
    }
    if (size > limits.maxAttachmentBytes) {
      throw new EdxmlError(
        "EDXML_TOO_LARGE",
        `attachment ${contentId ?? "?"} decodes to ${size} bytes, above the limit of ${limits.maxAttachmentBytes}`,
        [
          {
            path: dataAt.path,
            rule: "max-size",
            message: `decodes to ${size} bytes, limit ${limits.maxAttachmentBytes}`,
          },
        ],
      );
    }
    if (contentId === undefined) return [];
    return [compact({ contentId, contentType, name, description, encoded, size })];
  });
}

/** The decoded size of a text, or of the detached run its placeholder stands for. */
function sizeOf(encoded: string, { detached, used }: Detached): number | undefined {
  const token = detached.size > 0 ? encoded.trim() : "";
  const run = detached.get(token);
  if (!run) return base64Size(encoded);
  used.add(token);
  return run.decodedSize;
}

/** Every manifest entry must point at an attachment carried in the packet. */
function checkManifestLinks(r: Reader, manifest: LocatedReference[], carried: Set<string>): void {
  for (const { ref, path } of manifest) {
    if (!carried.has(ref.contentId)) {
      r.issue(path, "attachment-missing", `no attachment carries ContentId ${ref.contentId}`);
    }
  }
}
