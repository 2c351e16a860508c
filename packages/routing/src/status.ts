import type { BusinessDocType, StatusCode } from "@edoc/edxml";
import { quote, RoutingError } from "./errors.js";

/** The codes QCVN 102:2016 and the national axis define; 07–12 and 14 are not among them. */
export type KnownStatusCode = "01" | "02" | "03" | "04" | "05" | "06" | "13" | "15" | "16";

export const KNOWN_STATUS_CODES: readonly KnownStatusCode[] = [
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "13",
  "15",
  "16",
];

/** Standard names of the processing statuses (trạng thái xử lý văn bản). */
const NAMES: Record<KnownStatusCode, string> = {
  "01": "Đã đến",
  "02": "Từ chối tiếp nhận",
  "03": "Đã tiếp nhận",
  "04": "Đã phân công",
  "05": "Đang xử lý",
  "06": "Hoàn thành",
  "13": "Lấy lại",
  "15": "Đồng ý cập nhật/lấy lại",
  "16": "Từ chối cập nhật/lấy lại",
};

export function isKnownStatusCode(code: string): code is KnownStatusCode {
  return (KNOWN_STATUS_CODES as readonly string[]).includes(code);
}

/** The two-digit form, with the SDK's 14 read as 15; undefined when not a code at all. */
function canonical(raw: string): StatusCode | undefined {
  if (typeof raw !== "string") return undefined;
  const s = raw.trim();
  if (!/^[0-9]{1,2}$/.test(s)) return undefined;
  const n = Number(s);
  if (n < 1 || n > 16) return undefined;
  // One national-axis SDK example writes 14 where every other source writes 15.
  return (n === 14 ? "15" : s.padStart(2, "0")) as StatusCode;
}

/**
 * A status code as the hub stores it: surrounding whitespace trimmed, "1" read as "01", and
 * "14" read as "15" (the SDK quirk). 07–12 pass through (they are codes, just not ones the
 * standard defines; decideStatus refuses them). Anything else: STATUS_CODE_INVALID.
 */
export function normalizeStatusCode(raw: string): StatusCode {
  const code = canonical(raw);
  if (code === undefined) {
    throw new RoutingError(
      "STATUS_CODE_INVALID",
      `status code ${quote(raw)} is not a number from 01 to 16`,
    );
  }
  return code;
}

/** The standard Vietnamese name of a status, e.g. "03" → "Đã tiếp nhận"; 14 is named as 15. */
export function statusName(code: StatusCode): string {
  const c = canonical(code);
  return c !== undefined && isKnownStatusCode(c) ? NAMES[c] : `Không xác định (${code})`;
}

function named(code: KnownStatusCode): string {
  return `${code} (${NAMES[code]})`;
}

export type StatusRole = "recipient" | "sender";

export interface StatusEvent {
  code: StatusCode;
  /** when the hub accepted it, ISO-8601 */
  at: string;
}

export type StatusRefusalCode =
  | "STATUS_OUT_OF_ORDER"
  | "STATUS_NOT_ALLOWED_FOR_ROLE"
  | "STATUS_UNKNOWN";

export type StatusDecision =
  | { action: "accept" }
  | { action: "ignore-duplicate" }
  | { action: "refuse"; code: StatusRefusalCode; message: string };

/** The recipient's processing track, in order; 02 and 06 end it. */
const RANK: Partial<Record<KnownStatusCode, number>> = {
  "01": 1,
  "02": 2,
  "03": 3,
  "04": 4,
  "05": 5,
  "06": 6,
};

function refuse(code: StatusRefusalCode, message: string): StatusDecision {
  return { action: "refuse", code, message };
}

/**
 * Whether the hub accepts a status for one delivery (one document at one recipient), given
 * the statuses already accepted for it, oldest first. The rules, in the domain's words, are
 * in docs/routing.md; in short:
 *
 * - processing track (recipient only): 01 → 02 | 03 → 04 → 05* → 06, skipping forward is
 *   fine, going back is not, nothing follows 02 or 06 but the take-back family, 05 may
 *   repeat, any other code already accepted is a duplicate to ignore;
 * - take-back (lấy lại): 13 from the original sender only; 15/16 from the recipient only,
 *   answering a pending 13, or answering the update/revoke letter itself
 *   (`context.docType` of the letter this delivery carries);
 * - once a take-back is agreed (15 after 13, or 15 to a revoke letter) the document is gone
 *   and no processing status may follow;
 * - 07–12 are not in QCVN 102:2016's list: STATUS_UNKNOWN.
 *
 * Codes are compared in normalized form, so a stored or incoming "14" counts as "15".
 */
export function decideStatus(
  history: readonly StatusEvent[],
  incoming: { code: StatusCode; reporterRole: StatusRole },
  context: { docType?: BusinessDocType } = {},
): StatusDecision {
  const raw = canonical(incoming.code);
  if (raw === undefined || !isKnownStatusCode(raw)) {
    return refuse(
      "STATUS_UNKNOWN",
      `status code ${quote(incoming.code)} is not in QCVN 102:2016's list (01–06, 13, 15, 16)`,
    );
  }
  const code: KnownStatusCode = raw;
  const role = incoming.reporterRole;
  if (code === "13" && role !== "sender") {
    return refuse(
      "STATUS_NOT_ALLOWED_FOR_ROLE",
      `${named(code)} is sent by the original sender only`,
    );
  }
  if (code !== "13" && role !== "recipient") {
    return refuse(
      "STATUS_NOT_ALLOWED_FOR_ROLE",
      `${named(code)} is reported by the recipient only`,
    );
  }

  // Statuses never accepted (unknown codes in old data) do not count.
  const past: KnownStatusCode[] = [];
  for (const e of history) {
    const c = canonical(e.code);
    if (c !== undefined && isKnownStatusCode(c)) past.push(c);
  }
  const last13 = past.lastIndexOf("13");
  const answer =
    last13 < 0 ? undefined : past.slice(last13 + 1).find((c) => c === "15" || c === "16");
  const takenBack =
    (last13 >= 0 && answer === "15") || (context.docType === "revoke" && past.includes("15"));

  const rank = RANK[code];
  if (rank !== undefined) {
    if (code !== "05" && past.includes(code)) return { action: "ignore-duplicate" };
    if (takenBack) {
      return refuse(
        "STATUS_OUT_OF_ORDER",
        `${named(code)} after 15 (${NAMES["15"]}): the document was taken back`,
      );
    }
    const lastProcessing = past.filter((c) => RANK[c] !== undefined).at(-1);
    if (lastProcessing === "02" || lastProcessing === "06") {
      return refuse(
        "STATUS_OUT_OF_ORDER",
        `${named(code)} after ${named(lastProcessing)}: only 13, 15 or 16 may follow`,
      );
    }
    if (lastProcessing !== undefined && rank < (RANK[lastProcessing] ?? 0)) {
      return refuse(
        "STATUS_OUT_OF_ORDER",
        `${named(code)} after ${named(lastProcessing)}: statuses never go backwards`,
      );
    }
    return { action: "accept" };
  }

  if (code === "13") {
    // A request still pending, or already granted, makes a repeated 13 a duplicate; after a
    // refusal (16) the sender may ask again.
    if (last13 >= 0 && answer !== "16") return { action: "ignore-duplicate" };
    return { action: "accept" };
  }

  // 15 or 16
  if (last13 >= 0) {
    if (answer === undefined) return { action: "accept" };
    if (answer === code) return { action: "ignore-duplicate" };
    return refuse(
      "STATUS_OUT_OF_ORDER",
      `${named(code)}: the take-back request was already answered with ${named(answer)}`,
    );
  }
  if (context.docType === "update" || context.docType === "revoke") {
    const given = past.find((c) => c === "15" || c === "16");
    if (given === undefined) return { action: "accept" };
    if (given === code) return { action: "ignore-duplicate" };
    return refuse(
      "STATUS_OUT_OF_ORDER",
      `${named(code)}: this ${context.docType} letter was already answered with ${named(given)}`,
    );
  }
  return refuse(
    "STATUS_OUT_OF_ORDER",
    `${named(code)} answers a take-back request (13) or an update/revoke letter; there is none to answer`,
  );
}
