import { Directory, demoNetwork } from "@edoc/directory";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import {
  agencyLookup,
  agencyTable,
  countByAgency,
  type DeliveryRow,
  deliveryOutcome,
  isMonth,
  type MonthRows,
  monthBounds,
  monthlyReport,
  onTimeShare,
  ReportError,
  reportCsv,
  reportXlsx,
  SHEETS,
  tierTable,
  zeroCounts,
} from "../src/index.js";

// Vietnam wall-clock time → instant (UTC+07:00).
const vn = (text: string): Date => new Date(`${text}+07:00`);
const POLICY = { urgentMinutes: 120, officeEndHour: 17 };

const SO_NOI_VU = "000.00.02.H45";
const TUY_HOA = "000.00.30.H45";
const PHUONG_1 = "000.20.30.H45";
const OUTSIDE = "000.00.00.H99";

function delivery(p: Partial<DeliveryRow> & { recipient: string; availableAt: Date }): DeliveryRow {
  return { priority: 0, withdrawn: false, ...p };
}

describe("monthBounds", () => {
  it("gives the Vietnam month's first instant and the next month's", () => {
    expect(monthBounds("2026-03")).toEqual({
      start: new Date("2026-02-28T17:00:00Z"),
      end: new Date("2026-03-31T17:00:00Z"),
    });
    expect(monthBounds("2026-12").end).toEqual(new Date("2026-12-31T17:00:00Z"));
  });

  it("refuses anything but yyyy-mm with a code", () => {
    for (const bad of ["2026-13", "2026-3", "26-03", "2026-03-01", ""]) {
      expect(isMonth(bad)).toBe(false);
      expect(() => monthBounds(bad)).toThrow(ReportError);
    }
    try {
      monthBounds("2026-00");
    } catch (err) {
      expect((err as ReportError).code).toBe("REPORT_BAD_MONTH");
    }
  });
});

describe("deliveryOutcome", () => {
  const now = vn("2026-03-20T10:00:00");
  it("judges a normal letter by the end of its working day", () => {
    const at = vn("2026-03-03T09:00:00"); // Tuesday
    const d = delivery({ recipient: TUY_HOA, availableAt: at });
    expect(deliveryOutcome({ ...d, acknowledgedAt: vn("2026-03-03T23:59:00") }, now)).toBe(
      "onTime",
    );
    expect(deliveryOutcome({ ...d, acknowledgedAt: vn("2026-03-04T08:00:00") }, now)).toBe(
      "overdue",
    );
    expect(deliveryOutcome(d, now)).toBe("overdue");
    expect(deliveryOutcome(d, vn("2026-03-03T20:00:00"))).toBe("pending");
  });

  it("gives a Friday evening letter until Monday night", () => {
    const d = delivery({ recipient: TUY_HOA, availableAt: vn("2026-03-06T18:00:00") });
    expect(deliveryOutcome({ ...d, acknowledgedAt: vn("2026-03-09T16:00:00") }, now)).toBe(
      "onTime",
    );
  });

  it("judges an urgent letter by the policy's minutes", () => {
    const d = delivery({ recipient: TUY_HOA, priority: 2, availableAt: vn("2026-03-03T09:00:00") });
    expect(deliveryOutcome({ ...d, acknowledgedAt: vn("2026-03-03T10:59:00") }, now)).toBe(
      "onTime",
    );
    expect(deliveryOutcome({ ...d, acknowledgedAt: vn("2026-03-03T11:01:00") }, now)).toBe(
      "overdue",
    );
    expect(
      deliveryOutcome({ ...d, acknowledgedAt: vn("2026-03-03T09:00:01") }, now, {
        ...POLICY,
        urgentMinutes: 0,
      }),
    ).toBe("overdue");
  });

  it("does not judge a withdrawn letter, unless it was acknowledged first", () => {
    const d = delivery({
      recipient: TUY_HOA,
      withdrawn: true,
      availableAt: vn("2026-03-03T09:00:00"),
    });
    expect(deliveryOutcome(d, now)).toBe("withdrawn");
    expect(deliveryOutcome({ ...d, acknowledgedAt: vn("2026-03-03T09:30:00") }, now)).toBe(
      "onTime",
    );
  });
});

const now = vn("2026-03-31T12:00:00");
const rows: MonthRows = {
  letters: [
    { from: PHUONG_1, returnedByHub: 0 },
    { from: PHUONG_1, returnedByHub: 1 },
    { from: SO_NOI_VU, returnedByHub: 0 },
  ],
  deliveries: [
    delivery({
      recipient: TUY_HOA,
      availableAt: vn("2026-03-03T09:00:00"),
      acknowledgedAt: vn("2026-03-03T10:00:00"),
    }),
    delivery({
      recipient: TUY_HOA,
      priority: 1,
      availableAt: vn("2026-03-03T09:00:00"),
      acknowledgedAt: vn("2026-03-03T15:00:00"),
    }),
    delivery({ recipient: TUY_HOA, availableAt: vn("2026-03-31T11:00:00") }),
    delivery({ recipient: SO_NOI_VU, availableAt: vn("2026-03-10T09:00:00") }),
    delivery({ recipient: SO_NOI_VU, availableAt: vn("2026-03-11T09:00:00"), withdrawn: true }),
    delivery({
      recipient: OUTSIDE,
      availableAt: vn("2026-03-12T09:00:00"),
      acknowledgedAt: vn("2026-03-12T09:10:00"),
    }),
  ],
  statuses: [
    { from: TUY_HOA, code: "01", originalSender: PHUONG_1 },
    { from: TUY_HOA, code: "02", originalSender: PHUONG_1 },
    { from: SO_NOI_VU, code: "03", originalSender: PHUONG_1 },
    { from: SO_NOI_VU, code: "02" },
  ],
};

describe("countByAgency", () => {
  it("counts each agency's letters, receipts against the deadline, statuses and returns", () => {
    const counts = countByAgency(rows, now, POLICY);
    expect(counts).toEqual([
      {
        organId: SO_NOI_VU,
        ...zeroCounts(),
        sent: 1,
        received: 2,
        overdue: 1,
        withdrawn: 1,
        statuses: 2,
      },
      {
        organId: TUY_HOA,
        ...zeroCounts(),
        received: 3,
        onTime: 1,
        overdue: 1,
        pending: 1,
        statuses: 2,
      },
      { organId: PHUONG_1, ...zeroCounts(), sent: 2, returned: 2 },
      { organId: OUTSIDE, ...zeroCounts(), received: 1, onTime: 1 },
    ]);
  });

  it("gives an empty month no lines", () => {
    expect(countByAgency({ letters: [], deliveries: [], statuses: [] }, now)).toEqual([]);
  });

  it("shares on-time receipts among those judged, none when nothing was", () => {
    expect(onTimeShare({ ...zeroCounts(), onTime: 3, overdue: 1, pending: 5 })).toBe(0.75);
    expect(onTimeShare({ ...zeroCounts(), pending: 2, withdrawn: 1 })).toBeUndefined();
  });
});

const directory = Directory.fromJson(demoNetwork());
const lookup = agencyLookup(directory, "2026-03");
const report = monthlyReport(
  {
    month: "2026-03",
    asOf: now.toISOString(),
    urgentMinutes: 120,
    agencies: countByAgency(rows, now, POLICY),
    truncated: false,
  },
  lookup,
);

describe("monthlyReport", () => {
  it("names the agencies, sums them per tier in the directory's order, and in total", () => {
    expect(report.agencies.map((a) => [a.organId, a.tier])).toEqual([
      [SO_NOI_VU, "department"],
      [TUY_HOA, "district"],
      [PHUONG_1, "commune"],
      [OUTSIDE, "unknown"],
    ]);
    expect(report.agencies[0]?.name).toBe(directory.get(SO_NOI_VU as never)?.name);
    expect(report.tiers.map((t) => [t.tier, t.agencies, t.received, t.sent])).toEqual([
      ["department", 1, 2, 1],
      ["district", 1, 3, 0],
      ["commune", 1, 0, 2],
      ["unknown", 1, 1, 0],
    ]);
    expect(report.total).toEqual({
      sent: 3,
      received: 6,
      onTime: 2,
      overdue: 2,
      pending: 1,
      withdrawn: 1,
      statuses: 4,
      returned: 2,
    });
  });

  it("lays the same numbers out as tables with a total line", () => {
    const a = agencyTable(report);
    expect(a.rows).toHaveLength(5);
    expect(a.rows.at(-1)?.slice(0, 8)).toEqual(["Toàn trục", "", "", 3, 6, 2, 0.5, 2]);
    const t = tierTable(report);
    expect(t.rows.map((r) => r[0])).toEqual([
      "Sở, ban, ngành",
      "Huyện (UBND huyện)",
      "Xã, phường, thị trấn",
      "Ngoài danh bạ",
      "Toàn trục",
    ]);
  });
});

/** A sheet's rows as plain values (exceljs numbers its rows and cells from 1). */
function rowsOf(book: ExcelJS.Workbook, name: string): unknown[][] {
  const sheet = book.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe("files", () => {
  it("writes a CSV with a UTF-8 BOM, quoted where needed, shares as percentages", () => {
    const bytes = reportCsv(report);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8").slice(1);
    const lines = text.split("\r\n");
    expect(lines[0]).toBe(
      "Mã định danh,Tên cơ quan,Cấp,Văn bản gửi đi,Văn bản nhận về,Nhận đúng hạn,Tỷ lệ đúng hạn,Quá hạn,Chưa đến hạn,Bị thu hồi,Trạng thái đã gửi,Bị trả lại",
    );
    expect(lines[2]).toMatch(/^000\.00\.30\.H45,.*,Huyện \(UBND huyện\),0,3,1,50\.0,1,1,0,2,0$/);
    expect(lines[4]).toBe(`${OUTSIDE},,Ngoài danh bạ,0,1,1,100.0,0,0,0,0,0`);
    expect(lines[5]).toBe("Toàn trục,,,3,6,2,50.0,2,1,1,4,2");
    expect(lines[6]).toBe("");
    expect(lines[7]?.startsWith("Cấp,Số cơ quan,")).toBe(true);
    // A commune (Phường 1) with nothing received: the share cell stays empty.
    expect(lines[3]?.endsWith(',"Xã, phường, thị trấn",2,0,0,,0,0,0,0,2')).toBe(true);
  });

  it("quotes a field holding a comma or a quote, and defuses one that looks like a formula", () => {
    const odd = monthlyReport(
      { ...report, agencies: [{ organId: TUY_HOA, ...zeroCounts(), sent: 1 }] },
      () => ({ name: 'UBND "Tuy Hòa", Phú Yên', tier: "district" }),
    );
    const lines = reportCsv(odd).toString("utf8").split("\r\n");
    const formula = monthlyReport(
      { ...report, agencies: [{ organId: TUY_HOA, ...zeroCounts(), sent: 1 }] },
      () => ({ name: '=HYPERLINK("http://x")', tier: "district" }),
    );
    expect(reportCsv(formula).toString("utf8").split("\r\n")[1]).toContain(
      ',"\'=HYPERLINK(""http://x"")",',
    );
    expect(lines[1]).toBe(
      `${TUY_HOA},"UBND ""Tuy Hòa"", Phú Yên",Huyện (UBND huyện),1,0,0,,0,0,0,0,0`,
    );
  });

  it("writes an XLSX that exceljs reads back with the same numbers", async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await reportXlsx(report)) as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual([
      SHEETS.agencies,
      SHEETS.tiers,
      SHEETS.about,
    ]);
    const agencies = rowsOf(book, SHEETS.agencies);
    expect(agencies[0]).toEqual(agencyTable(report).columns.map((c) => c.header));
    expect(agencies[2]).toEqual([
      TUY_HOA,
      report.agencies[1]?.name,
      "Huyện (UBND huyện)",
      0,
      3,
      1,
      0.5,
      1,
      1,
      0,
      2,
      0,
    ]);
    expect(book.getWorksheet(SHEETS.agencies)?.getRow(3).getCell(7).numFmt).toBe("0.0%");
    expect(agencies[5]).toEqual(["Toàn trục", "", "", 3, 6, 2, 0.5, 2, 1, 1, 4, 2]);
    expect(rowsOf(book, SHEETS.tiers)[1]?.slice(0, 3)).toEqual(["Sở, ban, ngành", 1, 1]);
    expect(rowsOf(book, SHEETS.about)[0]).toEqual(["Tháng (giờ Việt Nam)", "2026-03"]);
  });
});
