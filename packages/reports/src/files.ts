import { edxmlTimestamp } from "@edoc/vntime";
import ExcelJS from "exceljs";
import type { MonthlyReport } from "./report.js";
import { agencyTable, type Cell, type Table, tierTable } from "./table.js";

// The report as files (in memory; the caller writes or serves them).

/** UTF-8 byte order mark: without it Excel reads a CSV as the local code page and garbles "Sở". */
const BOM = "\uFEFF";

function csvField(cell: Cell, kind: string): string {
  if (cell === undefined) return "";
  // Shares as percentages with one decimal (a dot: RFC 4180 files, any locale reads them the same).
  let text = kind === "share" && typeof cell === "number" ? (cell * 100).toFixed(1) : String(cell);
  // A name starting like a formula is shown as text, not run by the spreadsheet (CSV injection).
  if (typeof cell === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLines(t: Table): string[] {
  return [
    t.columns.map((c) => csvField(c.header, "text")).join(","),
    ...t.rows.map((row) =>
      row.map((cell, i) => csvField(cell, t.columns[i]?.kind ?? "text")).join(","),
    ),
  ];
}

/**
 * The per-agency table as CSV (RFC 4180, CRLF, UTF-8 with a BOM); the per-tier table follows
 * after one empty line, as it does on the console page.
 */
export function reportCsv(r: MonthlyReport): Buffer {
  const lines = [...csvLines(agencyTable(r)), "", ...csvLines(tierTable(r))];
  return Buffer.from(`${BOM}${lines.join("\r\n")}\r\n`, "utf8");
}

export const SHEETS = { agencies: "Theo cơ quan", tiers: "Theo cấp", about: "Thông tin" } as const;

function addSheet(book: ExcelJS.Workbook, name: string, t: Table): void {
  const sheet = book.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = t.columns.map((c) => ({
    header: c.header,
    key: c.key,
    width: c.kind === "text" ? (c.key === "name" ? 40 : 22) : 14,
    ...(c.kind === "share" ? { style: { numFmt: "0.0%" } } : {}),
  }));
  sheet.getRow(1).font = { bold: true };
  for (const row of t.rows) sheet.addRow(row.map((cell) => cell ?? null));
  sheet.getRow(sheet.rowCount).font = { bold: true };
}

/** The report as an XLSX workbook: per agency, per tier, and what the numbers mean. */
export async function reportXlsx(r: MonthlyReport): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = "edoc-hub";
  addSheet(book, SHEETS.agencies, agencyTable(r));
  addSheet(book, SHEETS.tiers, tierTable(r));
  const about = book.addWorksheet(SHEETS.about);
  about.columns = [{ width: 28 }, { width: 90 }];
  for (const line of aboutLines(r)) about.addRow(line);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** What the report covers and how its numbers are counted (the XLSX's third sheet). */
export function aboutLines(r: MonthlyReport): [string, string][] {
  return [
    ["Tháng (giờ Việt Nam)", r.month],
    ["Số liệu tính đến (giờ Việt Nam)", edxmlTimestamp(new Date(r.asOf))],
    [
      "Thời hạn nhận",
      `Văn bản thường: trong ngày làm việc nhận được (sau giờ hành chính hoặc ngày nghỉ: ngày làm việc tiếp theo). Văn bản khẩn: trong ${r.urgentMinutes} phút.`,
    ],
    [
      "Tỷ lệ đúng hạn",
      "Nhận đúng hạn / (nhận đúng hạn + quá hạn); văn bản chưa đến hạn hoặc bị thu hồi chưa tính.",
    ],
    ["Bị trả lại", "Văn bản của cơ quan bị trục trả lại hoặc bị nơi nhận từ chối (trạng thái 02)."],
    ...(r.truncated
      ? ([["Lưu ý", "Kho lưu trữ dừng ở giới hạn số dòng: số liệu có thể thiếu."]] as [
          string,
          string,
        ][])
      : []),
  ];
}
