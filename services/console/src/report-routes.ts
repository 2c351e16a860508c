import type { Directory } from "@edoc/directory";
import {
  agencyLookup,
  isMonth,
  type MonthlyReport,
  monthlyReport,
  reportCsv,
  reportXlsx,
} from "@edoc/reports";
import type { Logger } from "@edoc/runtime";
import { vietnamMonth } from "@edoc/vntime";
import type { Express, RequestHandler, Response } from "express";
import { ArchiveError, type ConsoleBus, callArchive } from "./archive-client.js";
import type { Html } from "./html.js";
import type { Session } from "./sessions.js";
import type { Viewer } from "./views/layout.js";
import { reportsPage } from "./views/reports.js";

/** What the report pages need from the console app (app.ts builds it). */
export interface ReportRouteKit {
  page: (
    h: (req: Parameters<RequestHandler>[0], res: Response, s: Session) => Promise<void>,
  ) => RequestHandler;
  send: (res: Response, status: number, body: Html) => void;
  viewer: (s: Session) => Viewer;
  bus: ConsoleBus;
  directory: () => Directory;
  log: Logger;
  now: () => Date;
  utcOffsetMinutes: number;
}

/** A month's counts from the archive, named and tiered from the console's directory. */
async function reportFor(kit: ReportRouteKit, month: string): Promise<MonthlyReport> {
  const counts = await callArchive(kit.bus, "reports.monthly", { month }, 60_000);
  return monthlyReport(counts, agencyLookup(kit.directory(), month));
}

const FILES = {
  csv: { type: "text/csv; charset=utf-8", write: async (r: MonthlyReport) => reportCsv(r) },
  xlsx: {
    type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    write: reportXlsx,
  },
} as const;

/**
 * `/reports?month=yyyy-mm`: the monthly report (báo cáo tháng) with its chart; and
 * `/reports/yyyy-mm.csv|xlsx`: the same numbers as files. Read-only, for both roles.
 */
export function registerReportRoutes(app: Express, kit: ReportRouteKit): void {
  app.get(
    "/reports",
    kit.page(async (req, res, s) => {
      const raw = typeof req.query.month === "string" ? req.query.month.slice(0, 20) : "";
      const month = raw === "" ? vietnamMonth(kit.now()) : raw;
      const base = { viewer: kit.viewer(s), month, utcOffsetMinutes: kit.utcOffsetMinutes };
      if (!isMonth(month)) {
        kit.send(res, 400, reportsPage({ ...base, error: "Tháng cần có dạng yyyy-mm." }));
        return;
      }
      try {
        kit.send(res, 200, reportsPage({ ...base, report: await reportFor(kit, month) }));
      } catch (err) {
        if (!(err instanceof ArchiveError) || err.status !== 400) throw err;
        kit.send(res, 400, reportsPage({ ...base, error: `${err.message} (${err.code})` }));
      }
    }),
  );

  app.get(
    "/reports/:file",
    kit.page(async (req, res, s) => {
      const m = /^([0-9]{4}-[0-9]{2})\.(csv|xlsx)$/.exec(String(req.params.file));
      const month = m?.[1] ?? "";
      const format = m?.[2] as keyof typeof FILES | undefined;
      if (!format || !isMonth(month))
        throw new ArchiveError(
          "REPORT_BAD_FILE",
          "tên tệp cần có dạng yyyy-mm.csv hoặc yyyy-mm.xlsx",
          400,
        );
      const report = await reportFor(kit, month);
      const body = await FILES[format].write(report);
      kit.log.info({ user: s.username, month, format }, "console: report downloaded");
      res.setHeader("Content-Type", FILES[format].type);
      res.setHeader("Content-Disposition", `attachment; filename="bao-cao-${month}.${format}"`);
      res.end(body);
    }),
  );
}
