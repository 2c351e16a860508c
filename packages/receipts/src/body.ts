import { DirectoryError, type OrganId, parseOrganId } from "@edoc/directory";
import { quote, ReceiptError } from "./errors.js";
import { isIsoUtcMs, SHA256_HEX } from "./hash.js";

/** What a receipt (biên nhận) attests, in the order a letter usually lives through them. */
export type ReceiptType =
  | "accepted"
  | "routed"
  | "available"
  | "fetched"
  | "acknowledged"
  /** a delivery handed to a peer hub (liên thông), which accepted it: data.hub, data.remoteReceipt */
  | "forwarded"
  | "status"
  | "returned"
  | "withdrawn"
  | "dead-lettered"
  | "redriven"
  /** a letter's bytes removed after its retention period (thời hạn lưu trữ); digest kept */
  | "purged"
  /** the agency directory changed (hubDocumentId `directory-v<version>`, digest of the set) */
  | "directory-changed";

export const RECEIPT_TYPES: readonly ReceiptType[] = [
  "accepted",
  "routed",
  "available",
  "fetched",
  "acknowledged",
  "forwarded",
  "status",
  "returned",
  "withdrawn",
  "dead-lettered",
  "redriven",
  "purged",
  "directory-changed",
];

export type ReceiptDataValue = string | number | boolean | null;

export interface ReceiptBody {
  type: ReceiptType;
  hubDocumentId: string;
  /** the sender's DocumentId (OrganId,yyyy/MM/dd,Số/Ký hiệu or a UUID) */
  documentId?: string;
  deliveryId?: string;
  /** the party concerned: sender for accepted, recipient for routed/fetched/status… */
  organId?: OrganId;
  /** ISO-8601 UTC with milliseconds */
  at: string;
  /** sha256 hex of the letter bytes */
  digest?: string;
  /** flat extra facts; keys never start with `$` nor contain `.` (MongoDB/FerretDB field names) */
  data?: Record<string, ReceiptDataValue>;
}

/** The body fields, in one place: what the hash covers, and nothing else. */
export const BODY_FIELDS = [
  "type",
  "hubDocumentId",
  "documentId",
  "deliveryId",
  "organId",
  "at",
  "digest",
  "data",
] as const satisfies readonly (keyof ReceiptBody)[];

const MAX_TEXT = 1024;

function invalid(field: string, problem: string): ReceiptError {
  return new ReceiptError("RECEIPT_INVALID", `receipt ${field} ${problem}`, field);
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw invalid(field, "must be a non-empty string");
  if (value.length > MAX_TEXT) throw invalid(field, `is longer than ${MAX_TEXT} characters`);
  return value;
}

function dataKeyProblem(key: string): string | undefined {
  if (key === "") return "is empty";
  if (key.startsWith("$")) return "starts with $";
  if (key.includes(".")) return "contains a dot";
  if (key.includes("\u0000")) return "contains a NUL character";
  return undefined;
}

/**
 * A validated, plain copy of `body` holding only the body fields (absent ones omitted).
 * Throws RECEIPT_INVALID naming the field, or RECEIPT_DATA_KEY_INVALID for a data key
 * MongoDB/FerretDB would reject or misread ($-operators, dotted paths).
 */
export function validateReceiptBody(body: ReceiptBody): ReceiptBody {
  if (typeof body !== "object" || body === null) throw invalid("body", "must be an object");
  if (!RECEIPT_TYPES.includes(body.type)) {
    throw invalid("type", `${quote(body.type)} is not one of ${RECEIPT_TYPES.join(", ")}`);
  }
  const out: ReceiptBody = {
    type: body.type,
    hubDocumentId: text(body.hubDocumentId, "hubDocumentId"),
    at: "",
  };
  if (body.documentId !== undefined) out.documentId = text(body.documentId, "documentId");
  if (body.deliveryId !== undefined) out.deliveryId = text(body.deliveryId, "deliveryId");
  if (body.organId !== undefined) {
    try {
      // Stored receipts must carry the exact canonical code, not a trimmed variant.
      const id = parseOrganId(body.organId, "organId");
      if (id !== body.organId) throw invalid("organId", `${quote(body.organId)} is not canonical`);
      out.organId = id;
    } catch (e) {
      if (e instanceof DirectoryError) throw invalid("organId", `is malformed: ${e.message}`);
      throw e;
    }
  }
  if (!isIsoUtcMs(body.at)) {
    throw invalid("at", `${quote(body.at)} is not ISO-8601 UTC with milliseconds`);
  }
  out.at = body.at;
  if (body.digest !== undefined) {
    if (typeof body.digest !== "string" || !SHA256_HEX.test(body.digest)) {
      throw invalid("digest", `${quote(body.digest)} is not a lower-case SHA-256 hex digest`);
    }
    out.digest = body.digest;
  }
  if (body.data !== undefined) out.data = validateData(body.data);
  return out;
}

function validateData(data: unknown): Record<string, ReceiptDataValue> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw invalid("data", "must be a flat object");
  }
  const proto: unknown = Object.getPrototypeOf(data);
  if (proto !== Object.prototype && proto !== null) throw invalid("data", "must be a plain object");
  const out: Record<string, ReceiptDataValue> = {};
  for (const [key, value] of Object.entries(data)) {
    const problem = dataKeyProblem(key);
    if (problem !== undefined) {
      throw new ReceiptError(
        "RECEIPT_DATA_KEY_INVALID",
        `receipt data key ${quote(key)} ${problem}; MongoDB/FerretDB field names may not`,
        `data.${key}`,
      );
    }
    const ok =
      value === null ||
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value));
    if (!ok) {
      throw invalid(`data.${key}`, "must be a string, a finite number, a boolean or null");
    }
    out[key] = value;
  }
  return out;
}
