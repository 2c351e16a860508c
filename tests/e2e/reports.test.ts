import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Bus } from "@edoc/bus";
import type { Priority } from "@edoc/edxml";
import type { Counts } from "@edoc/reports";
import { vietnamMonth } from "@edoc/vntime";
import ExcelJS from "exceljs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browsers, DESKTOP, logInAs } from "../support/chromium.js";
import { edoc } from "../support/cli.js";
import { amqpUrl, waitUntil } from "../support/env.js";
import { type Agent, api, consoleUser, repoRoot, TestHub } from "../support/hub.js";
import { letterXml, sign, statusPacket } from "../support/letters.js";

// A month's report checked against the deliveries it was built from: a real hub (console
// included) carries letters — normal and urgent —, acknowledgements, statuses and returns; the
// report comes back from the archive (RPC), the console page in Chromium, and its CSV and XLSX
// downloads read back. Urgent letters are due 0 minutes after arrival here
// (EDOC_URGENT_RECEIPT_MINUTES=0), so an acknowledged urgent letter is late without waiting.

const COMMUNE = "000.20.30.H45"; // UBND Phường 1, TP Tuy Hòa
const DISTRICT = "000.00.30.H45"; // UBND TP Tuy Hòa
const DEPT = "000.00.02.H45"; // Sở Nội vụ
const AUDITOR = consoleUser("baocao", "auditor");

const hub = new TestHub({
  agencies: [COMMUNE, DISTRICT, DEPT],
  console: { users: [AUDITOR] },
  env: { EDOC_URGENT_RECEIPT_MINUTES: "0" },
});
const A = (id: string): Agent => hub.agent(id);
const browsers = new Browsers();
let bus: Bus;

interface Item {
  deliveryId: string;
  hubDocumentId: string;
  availableAt: string;
}

/** Sends a signed letter and returns its DocumentId and hub id. */
async function sendLetter(from: string, to: string[], priority: Priority = 0) {
  const { xml, documentId } = letterXml(from, to, { priority });
  const r = await api(hub, A(from), "POST", "/documents", sign(A(from), xml));
  expect(r.status, r.body.toString()).toBe(202);
  return { documentId, hubDocumentId: (r.json() as { hubDocumentId: string }).hubDocumentId };
}

/** The recipient's delivery of a letter, once the router planned it. */
async function deliveryOf(who: string, hubDocumentId: string): Promise<Item> {
  return waitUntil(`${who}'s delivery of ${hubDocumentId}`, async () => {
    const r = await api(hub, A(who), "GET", "/inbox?state=all");
    return (r.json() as { items: Item[] }).items.find((x) => x.hubDocumentId === hubDocumentId);
  });
}

async function fetchAndAck(who: string, hubDocumentId: string): Promise<Item> {
  const item = await deliveryOf(who, hubDocumentId);
  expect((await api(hub, A(who), "GET", `/inbox/${item.deliveryId}/edxml`)).status).toBe(200);
  const ack = await api(
    hub,
    A(who),
    "POST",
    `/inbox/${item.deliveryId}/ack`,
    '{"result":"done"}',
    "application/json",
  );
  expect(ack.status).toBe(200);
  return item;
}

async function sendStatus(who: string, sender: string, documentId: string, code: string) {
  const r = await api(
    hub,
    A(who),
    "POST",
    "/statuses",
    statusPacket(A(who), sender, documentId, code),
  );
  expect(r.status, r.body.toString()).toBe(202);
}

/** What the scenario below makes happen, per agency. */
const EXPECTED: Record<string, Counts> = {
  [DEPT]: {
    sent: 1,
    received: 2,
    onTime: 1,
    overdue: 0,
    pending: 1,
    withdrawn: 0,
    statuses: 1,
    returned: 0,
  },
  [DISTRICT]: {
    sent: 0,
    received: 2,
    onTime: 1,
    overdue: 1,
    pending: 0,
    withdrawn: 0,
    statuses: 2,
    returned: 0,
  },
  [COMMUNE]: {
    sent: 3,
    received: 1,
    onTime: 0,
    overdue: 1,
    pending: 0,
    withdrawn: 0,
    statuses: 0,
    returned: 1,
  },
};
const TOTAL: Counts = {
  sent: 4,
  received: 5,
  onTime: 2,
  overdue: 2,
  pending: 1,
  withdrawn: 0,
  statuses: 3,
  returned: 1,
};
const ORDER = [DEPT, DISTRICT, COMMUNE]; // the directory's tree order
let month = "";
/** The console's CSV download, for comparing with `edoc report`'s. */
let consoleCsv = Buffer.alloc(0);

beforeAll(async () => {
  await hub.start();
  bus = await Bus.connect({ url: amqpUrl, prefix: hub.prefix });

  // 1. A normal letter to the district (acknowledged: on time — a normal letter is due by the
  //    end of its working day at the earliest) and to the department (left open: not yet due).
  const first = await sendLetter(COMMUNE, [DISTRICT, DEPT]);
  const available = [await fetchAndAck(DISTRICT, first.hubDocumentId)];
  available.push(await deliveryOf(DEPT, first.hubDocumentId));
  // 2. An urgent letter the district acknowledges: after its 0-minute window, so late.
  const urgent = await sendLetter(COMMUNE, [DISTRICT], 1);
  available.push(await fetchAndAck(DISTRICT, urgent.hubDocumentId));
  // 3. An urgent letter from the department the commune never acknowledges: overdue.
  const express = await sendLetter(DEPT, [COMMUNE], 3);
  available.push(await deliveryOf(COMMUNE, express.hubDocumentId));
  // 4. Another normal letter the department acknowledges at once: on time.
  const second = await sendLetter(COMMUNE, [DEPT]);
  available.push(await fetchAndAck(DEPT, second.hubDocumentId));
  // 5. Statuses on the first letter: the district's 01 and 03, the department's 02 (trả lại:
  //    returned). (The hub itself returns an addressee only when the directory changed between
  //    the gateway's check and the router's plan: the unit tests cover that count.)
  await sendStatus(DISTRICT, COMMUNE, first.documentId, "01");
  await sendStatus(DISTRICT, COMMUNE, first.documentId, "03");
  await sendStatus(DEPT, COMMUNE, first.documentId, "02");

  // Every delivery is counted in the Vietnam month it became available in: one month here
  // (a run across a month's last second would split them, and this test says so).
  const months = new Set(available.map((x) => vietnamMonth(new Date(x.availableAt))));
  expect(months.size, "the scenario ran across a month boundary; run it again").toBe(1);
  month = [...months][0] ?? "";
  // The statuses are accepted asynchronously; wait until the commune's inbox has all three.
  await waitUntil("the three statuses back at the commune", async () => {
    const r = await api(hub, A(COMMUNE), "GET", "/inbox?state=all");
    const n = (r.json() as { items: { kind: string }[] }).items.filter((x) => x.kind === "status");
    return n.length >= 3 ? true : undefined;
  });
}, 180_000);

afterAll(async () => {
  await browsers.closeAll();
  await bus?.close();
  await hub.stop();
});

/** A report table's rows (after the header) from the page, the CSV or the XLSX. */
function expectLines(rows: unknown[][], share: (c: Counts) => unknown) {
  const line = (c: Counts) => [
    c.sent,
    c.received,
    c.onTime,
    share(c),
    c.overdue,
    c.pending,
    c.withdrawn,
    c.statuses,
    c.returned,
  ];
  expect(rows.map((r) => r[0])).toEqual([...ORDER, "Toàn trục"]);
  for (const [i, id] of ORDER.entries())
    expect(rows[i]?.slice(3)).toEqual(line(EXPECTED[id] as Counts));
  expect(rows.at(-1)?.slice(3)).toEqual(line(TOTAL));
}

const shareOf = (c: Counts) =>
  c.onTime + c.overdue === 0 ? undefined : c.onTime / (c.onTime + c.overdue);

describe("monthly report", () => {
  it("the archive counts the month per agency as the deliveries happened", async () => {
    const r = (await bus.call("archive.rpc", "reports.monthly", { month })) as {
      month: string;
      urgentMinutes: number;
      truncated: boolean;
      agencies: ({ organId: string } & Counts)[];
    };
    expect(r.month).toBe(month);
    expect(r.urgentMinutes).toBe(0);
    expect(r.truncated).toBe(false);
    expect(r.agencies).toEqual(ORDER.map((organId) => ({ organId, ...EXPECTED[organId] })));
  });

  it("refuses a malformed month and one that has not begun", async () => {
    await expect(
      bus.call("archive.rpc", "reports.monthly", { month: "2026-13" }),
    ).rejects.toMatchObject({
      code: "RPC_BAD_REQUEST",
    });
    await expect(
      bus.call("archive.rpc", "reports.monthly", { month: "2999-01" }),
    ).rejects.toMatchObject({
      code: "REPORT_FUTURE_MONTH",
    });
  });

  it("shows tables and an SVG chart in Chromium under the strict CSP, and downloads CSV and XLSX with the same numbers", {
    timeout: 90_000,
  }, async () => {
    const page: Page = await browsers.open(DESKTOP);
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await logInAs(page, hub.consoleUrl, AUDITOR);
    await Promise.all([page.waitForURL(/\/reports/), page.click("nav a[href='/reports']")]);
    // The default month is the current Vietnam month; pick the scenario's month explicitly.
    await page.fill("#month", month);
    await Promise.all([page.waitForURL(/month=/), page.click("form.month-picker button")]);
    await expect(page.locator("h1").textContent()).resolves.toBe(
      `Báo cáo tháng ${month.slice(5)}/${month.slice(0, 4)}`,
    );

    const table = async (cls: string) =>
      page
        .locator(`table.${cls} tbody tr`)
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
        );
    const pct = (s: number | undefined) => (s === undefined ? "—" : `${(s * 100).toFixed(1)}%`);
    const asText = (rows: unknown[][]) => rows.map((r) => r.map(String));
    const agencies = await table("agencies");
    expectLines(
      agencies.map((r) => [
        r[0],
        r[1],
        r[2],
        ...r.slice(3).map((v) => (/^\d+$/.test(v) ? Number(v) : v)),
      ]),
      (c) => pct(shareOf(c)),
    );
    expect(agencies[0]?.[1]).toContain("Sở Nội vụ");
    expect(asText(await table("tiers")).map((r) => r.slice(0, 3))).toEqual([
      ["Sở, ban, ngành", "1", "1"],
      ["Huyện (UBND huyện)", "1", "0"],
      ["Xã, phường, thị trấn", "1", "3"],
      ["Toàn trục", "3", "4"],
    ]);
    await expect(page.locator("[data-total=share]").textContent()).resolves.toBe("50.0%");
    // The chart: drawn on the server, one group per tier, a bar part per non-zero count.
    const chart = page.locator("figure.chart svg");
    await expect(chart.count()).resolves.toBe(1);
    await expect(chart.locator("g.tier").count()).resolves.toBe(3);
    await expect(
      chart.locator("g.tier[data-tier=district] rect title").allTextContents(),
    ).resolves.toEqual([
      "Huyện (UBND huyện) · Gửi đi: 0",
      "Huyện (UBND huyện) · Nhận đúng hạn: 1",
      "Huyện (UBND huyện) · Quá hạn: 1",
    ]);
    expect(await page.locator("script").count()).toBe(0);
    // Into test-output like the console test's: a run leaves the clone's tracked files alone
    // (docs/images holds the copy the operator guide shows, updated by hand).
    const shots = join(repoRoot, "test-output", "console");
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "desktop-reports.png"), fullPage: true });

    // CSV: UTF-8 with a BOM (Excel shows "Sở Nội vụ"), the agencies table, a blank line, the tiers.
    const [csvDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.click("a.download[href$='.csv']"),
    ]);
    expect(csvDownload.suggestedFilename()).toBe(`bao-cao-${month}.csv`);
    const csv = readFileSync(await csvDownload.path());
    consoleCsv = csv;
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.toString("utf8").slice(1).split("\r\n");
    const blank = lines.indexOf("");
    const cells = (line: string) =>
      [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => m[1] ?? "");
    expectLines(
      lines
        .slice(1, blank)
        .map((l) => cells(l).map((v, i) => (i >= 3 && /^\d+$/.test(v) ? Number(v) : v))),
      (c) => {
        const s = shareOf(c);
        return s === undefined ? "" : (s * 100).toFixed(1);
      },
    );
    expect(lines[1]).toContain("Sở Nội vụ");

    // XLSX: exceljs reads back the same numbers, the share as a fraction.
    const [xlsxDownload] = await Promise.all([
      page.waitForEvent("download"),
      page.click("a.download[href$='.xlsx']"),
    ]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(await xlsxDownload.path()) as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("Theo cơ quan");
    const rows: unknown[][] = [];
    sheet?.eachRow((row, n) => {
      if (n > 1) rows.push((row.values as unknown[]).slice(1));
    });
    expectLines(
      rows.map((r) => Array.from({ length: 12 }, (_, i) => r[i] ?? undefined)),
      shareOf,
    );
    expect(violations).toEqual([]);
  });

  it("edoc report writes the console's CSV byte for byte, and an XLSX; bad usage exits 2", async () => {
    const broker = ["--amqp", amqpUrl, "--prefix", hub.prefix];
    const csvFile = join(hub.dir, "report.csv");
    const csv = await edoc("report", "--month", month, "-o", csvFile, ...broker);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toContain(
      `report for ${month}, 3 agencies, 4 letters sent, 5 received (50.0% on time), 2 overdue, 1 returned`,
    );
    expect(readFileSync(csvFile).equals(consoleCsv)).toBe(true);
    const xlsxFile = join(hub.dir, "report.xlsx");
    expect((await edoc("report", "--month", month, "-o", xlsxFile, ...broker)).code).toBe(0);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(xlsxFile) as unknown as ArrayBuffer);
    expect(book.getWorksheet("Theo cơ quan")?.getRow(2).getCell(1).value).toBe(DEPT);
    const future = await edoc("report", "--month", "2999-01", "-o", csvFile, ...broker);
    expect(future.code).toBe(1);
    expect(future.stderr).toContain("REPORT_FUTURE_MONTH");
    const bad = await edoc("report", "--month", "2026-1", "-o", csvFile);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("YYYY-MM");
    expect((await edoc("report", "--month", month, "-o", "x.pdf")).code).toBe(2);
  });
});
