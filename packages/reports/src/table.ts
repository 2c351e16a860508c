import { TIER_LABELS } from "@edoc/directory";
import { type Counts, onTimeShare } from "./counts.js";
import type { MonthlyReport, ReportTier } from "./report.js";

// The report as tables, the same columns in the console, the CSV and the XLSX. Headers are in
// Vietnamese: the files go to provincial offices as they are.

/** A cell: text, a count, or a share (0…1; empty when nothing was judged yet). */
export type Cell = string | number | undefined;
export type ColumnKind = "text" | "count" | "share";
export interface Column {
  key: string;
  header: string;
  kind: ColumnKind;
}
export interface Table {
  columns: Column[];
  rows: Cell[][];
}

export function tierLabel(tier: ReportTier): string {
  return tier === "unknown" ? "Ngoài danh bạ" : TIER_LABELS[tier];
}

/** The count columns, in reading order (the share right after the on-time count). */
export const COUNT_COLUMNS: readonly Column[] = [
  { key: "sent", header: "Văn bản gửi đi", kind: "count" },
  { key: "received", header: "Văn bản nhận về", kind: "count" },
  { key: "onTime", header: "Nhận đúng hạn", kind: "count" },
  { key: "onTimeShare", header: "Tỷ lệ đúng hạn", kind: "share" },
  { key: "overdue", header: "Quá hạn", kind: "count" },
  { key: "pending", header: "Chưa đến hạn", kind: "count" },
  { key: "withdrawn", header: "Bị thu hồi", kind: "count" },
  { key: "statuses", header: "Trạng thái đã gửi", kind: "count" },
  { key: "returned", header: "Bị trả lại", kind: "count" },
];

function countCells(c: Counts): Cell[] {
  return COUNT_COLUMNS.map((col) =>
    col.key === "onTimeShare" ? onTimeShare(c) : c[col.key as keyof Counts],
  );
}

const TOTAL = "Toàn trục";

/** One line per agency, then the hub's total. */
export function agencyTable(r: MonthlyReport): Table {
  return {
    columns: [
      { key: "organId", header: "Mã định danh", kind: "text" },
      { key: "name", header: "Tên cơ quan", kind: "text" },
      { key: "tier", header: "Cấp", kind: "text" },
      ...COUNT_COLUMNS,
    ],
    rows: [
      ...r.agencies.map((a) => [a.organId, a.name, tierLabel(a.tier), ...countCells(a)]),
      [TOTAL, "", "", ...countCells(r.total)],
    ],
  };
}

/** One line per tier, then the hub's total. */
export function tierTable(r: MonthlyReport): Table {
  return {
    columns: [
      { key: "tier", header: "Cấp", kind: "text" },
      { key: "agencies", header: "Số cơ quan", kind: "count" },
      ...COUNT_COLUMNS,
    ],
    rows: [
      ...r.tiers.map((t) => [tierLabel(t.tier), t.agencies, ...countCells(t)]),
      [TOTAL, r.agencies.length, ...countCells(r.total)],
    ],
  };
}
