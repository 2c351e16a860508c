import { type Directory, isOrganId } from "@edoc/directory";
import { KNOWN_STATUS_CODES, normalizeStatusCode, statusName } from "@edoc/routing";

/** Vietnamese labels of everything the console shows; statuses use the standard names. */

export { TIER_LABELS } from "@edoc/directory";

export const STATE_LABELS: Record<string, string> = {
  pending: "Chờ định tuyến",
  planned: "Đã định tuyến",
  "dead-lettered": "Lỗi định tuyến (thư chết)",
  available: "Chờ cơ quan nhận tải về",
  fetched: "Đã tải về, chưa xác nhận",
  acknowledged: "Đã xác nhận nhận",
  failed: "Cơ quan nhận báo lỗi",
  withdrawn: "Đã thu hồi",
  returned: "Trả lại (không chuyển được)",
};

export const EVENT_LABELS: Record<string, string> = {
  accepted: "Trục tiếp nhận",
  routed: "Đã định tuyến",
  available: "Sẵn sàng trong hộp thư",
  fetched: "Cơ quan nhận đã tải về",
  acknowledged: "Cơ quan nhận xác nhận",
  forwarded: "Đã chuyển tiếp sang trục khác",
  status: "Trạng thái xử lý",
  returned: "Trả lại",
  withdrawn: "Thu hồi",
  "dead-lettered": "Vào hàng thư chết",
  redriven: "Gửi lại (re-drive)",
  purged: "Hết thời hạn lưu trữ: đã xóa nội dung",
  "directory-changed": "Danh bạ thay đổi",
};

/** What a directory version did (history of the agencies page). */
export const DIRECTORY_OP_LABELS: Record<string, string> = {
  seed: "Khởi tạo",
  add: "Thêm cơ quan",
  update: "Sửa thông tin",
  close: "Ngừng hoạt động",
  import: "Nhập danh bạ",
};

export const DOC_TYPE_LABELS: Record<string, string> = {
  new: "Văn bản mới",
  revoke: "Thu hồi",
  update: "Cập nhật",
  replace: "Thay thế",
  status: "Gói tin trạng thái",
};

export const PRIORITY_LABELS: Record<number, string> = {
  0: "Thường",
  1: "Khẩn",
  2: "Thượng khẩn",
  3: "Hỏa tốc",
  4: "Hỏa tốc hẹn giờ",
};

export const ROLE_LABELS = { operator: "Vận hành", auditor: "Kiểm toán" } as const;

export const REASON_LABELS: Record<string, string> = {
  "not-fetched": "Chưa tải về",
  "not-acknowledged": "Đã tải, chưa xác nhận",
  "urgent-overdue": "Văn bản khẩn quá hạn",
  "no-reception-status": "Chưa báo 01/03 trong ngày làm việc",
};

/** The codes the console offers as filters: QCVN 102:2016's published list. */
export const STATUS_CODES: readonly string[] = KNOWN_STATUS_CODES;

/** `05 Đang xử lý`; unknown input is shown as it came. */
export function statusLabel(code: string): string {
  try {
    const c = normalizeStatusCode(code);
    return `${c} ${statusName(c)}`;
  } catch {
    return code;
  }
}

export function stateLabel(state: string): string {
  return STATE_LABELS[state] ?? state;
}

export function priorityLabel(p: number | undefined): string {
  return p === undefined ? "—" : (PRIORITY_LABELS[p] ?? String(p));
}

/** An agency's name as the directory knows it (any period), or undefined. */
export function agencyName(directory: Directory, id: string): string | undefined {
  if (!isOrganId(id)) return undefined;
  return directory.get(id)?.name ?? directory.history(id).at(-1)?.name;
}

/**
 * Instants as operators read them: the hub's civil time (Vietnam, UTC+7 by default; no daylight
 * saving), `dd/MM/yyyy HH:mm:ss`.
 */
export function formatTime(iso: string | undefined, offsetMinutes: number): string {
  if (iso === undefined) return "—";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const local = new Date(t.getTime() + offsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(local.getUTCDate())}/${p(local.getUTCMonth() + 1)}/${local.getUTCFullYear()} ${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}`;
}

/** A share (0…1) as a percentage with one decimal; "—" when there is none. */
export function percentLabel(share: number | undefined): string {
  return share === undefined ? "—" : `${(share * 100).toFixed(1)}%`;
}

/** `GMT+7`, `GMT+5:30`, `GMT` */
export function offsetLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return "GMT";
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const m = abs % 60;
  return `GMT${sign}${Math.floor(abs / 60)}${m === 0 ? "" : `:${String(m).padStart(2, "0")}`}`;
}
