import type { OrganId } from "@edoc/directory";

/**
 * Business status of a delivered document (trạng thái văn bản). "1" on the wire is read as "01".
 * "14" is kept as given: one SDK example writes 14 where everyone else writes 15 (agrees to the
 * update / take-back); interpreting it is the caller's business.
 */
export type StatusCode =
  | "01"
  | "02"
  | "03"
  | "04"
  | "05"
  | "06"
  | "07"
  | "08"
  | "09"
  | "10"
  | "11"
  | "12"
  | "13"
  | "14"
  | "15"
  | "16";

/** BussinessDocType 0..3: new, revoke (thu hồi), update (cập nhật), replace (thay thế). */
export type BusinessDocType = "new" | "revoke" | "update" | "replace";

/** 0 normal, 1 urgent (Khẩn), 2 very urgent (Thượng khẩn), 3 express (Hỏa tốc), 4 express at a fixed time. */
export type Priority = 0 | 1 | 2 | 3 | 4;

export interface Organization {
  organId: OrganId;
  organName?: string;
  organizationInCharge?: string;
  organAdd?: string;
  email?: string;
  telephone?: string;
  fax?: string;
  website?: string;
}

/** The document a letter or status answers. */
export interface ResponseFor {
  organId: OrganId;
  code?: string;
  promulgationDate?: string;
  documentId: string;
}

export interface StaffInfo {
  department?: string;
  staff?: string;
  mobile?: string;
  email?: string;
}

/** One system the packet passed through. */
export interface TraceHeader {
  /**
   * As written, not checked as a mã định danh: besides OrganIds, field packets carry `null`,
   * system ids (`vxp.saas.03`) and other codes (`001.00.20.TT2`), and the official library reads
   * them. Nothing is routed by it.
   */
  organId: string;
  /** "yyyy/MM/dd HH:mm:ss" as written (no zone on the wire). */
  timestamp: string;
}

export interface Business {
  docType: BusinessDocType;
  reason?: string;
  /** A paper copy follows. */
  paper?: boolean;
  /** The document updated (or otherwise referred to) by this letter. */
  documentId?: string;
  /** update: BussinessDocumentInfo/DocumentInfo, "1" when the document's data changed. */
  documentInfo?: string;
  /** update: BussinessDocumentInfo/DocumentReceiver, "1" when the recipients changed. */
  documentReceiver?: string;
  /** update: the changed recipients. */
  receivers?: { organId: OrganId; receiverType?: string }[];
  /** replace: documents replaced, each for the listed agencies. */
  replacements?: { documentId: string; organIds: OrganId[] }[];
  staffInfo?: StaffInfo;
}

export interface MessageHeader {
  from: Organization;
  to: Organization[];
  documentId: string;
  /** Số and ký hiệu. */
  code: { number: string; notation: string };
  promulgation: { place?: string; date: string };
  documentType?: { type?: string; typeDetail?: string; typeName?: string };
  subject: string;
  content?: string;
  signerInfo?: { competence?: string; position?: string; fullName?: string };
  dueDate?: string;
  toPlaces: string[];
  otherInfo?: {
    priority?: Priority;
    sphereOfPromulgation?: string;
    typerNotation?: string;
    promulgationAmount?: number;
    pageAmount?: number;
    appendixes: string[];
    direction?: string;
  };
  responseFor: ResponseFor[];
  steeringType?: string;
}

export interface ManifestReference {
  /** Normalized without "cid:". */
  contentId: string;
  contentType?: string;
  description?: string;
  attachmentName?: string;
}

export interface Attachment {
  /** Normalized without "cid:". */
  contentId: string;
  contentType?: string;
  name?: string;
  description?: string;
  /** Base64 text as received (whitespace included); decode with decodeAttachment. */
  encoded: string;
  /** Decoded byte length. */
  size: number;
}

/** An official letter (văn bản điện tử) with its business intent and attachments. */
export interface Letter {
  kind: "letter";
  header: MessageHeader;
  traces: TraceHeader[];
  business: Business;
  manifest: ManifestReference[];
  attachments: Attachment[];
  /** edXMLHeader carries a Signature element; verifying it is the signature package's job. */
  hasSignature: boolean;
}

/** A status report (gói tin trạng thái) about a delivered letter. */
export interface StatusPacket {
  kind: "status";
  /** The reporting agency (for 13, the original sender). */
  from: Organization;
  responseFor: ResponseFor;
  staffInfo?: StaffInfo;
  statusCode: StatusCode;
  description?: string;
  /** "yyyy/MM/dd HH:mm:ss" as written. */
  timestamp: string;
  traces: TraceHeader[];
  hasSignature: boolean;
}

export type Packet = Letter | StatusPacket;
