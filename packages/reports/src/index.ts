export {
  type AgencyCounts,
  addCounts,
  COUNT_FIELDS,
  type Counts,
  countByAgency,
  type DeliveryRow,
  deliveryOutcome,
  type LetterRow,
  type MonthRows,
  onTimeShare,
  type StatusRow,
  zeroCounts,
} from "./counts.js";
export { aboutLines, reportCsv, reportXlsx, SHEETS } from "./files.js";
export { isMonth, monthBounds, ReportError } from "./month.js";
export {
  type AgencyInfo,
  type AgencyLine,
  agencyLookup,
  type MonthlyCounts,
  type MonthlyReport,
  monthlyReport,
  type ReportTier,
  type TierLine,
  UNKNOWN_TIER,
} from "./report.js";
export {
  agencyTable,
  type Cell,
  COUNT_COLUMNS,
  type Column,
  type Table,
  tierLabel,
  tierTable,
} from "./table.js";
