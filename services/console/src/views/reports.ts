import {
  aboutLines,
  agencyTable,
  type Cell,
  type Column,
  type MonthlyReport,
  onTimeShare,
  type Table,
  tierTable,
} from "@edoc/reports";
import { type Html, href, html } from "../html.js";
import { percentLabel } from "../labels.js";
import { cell, page, type Viewer } from "./layout.js";
import { tierChart } from "./report-chart.js";

function shown(c: Cell, col: Column): string {
  if (col.kind === "share") return percentLabel(typeof c === "number" ? c : undefined);
  return c === undefined || c === "" ? "—" : String(c);
}

/** A report table as the files have it; the last line (the hub's total) in bold. */
function reportTable(t: Table, cls: string): Html {
  return html`<table class="stack report ${cls}">
<thead><tr>${t.columns.map((c) => html`<th${c.kind === "text" ? "" : html` class="num"`}>${c.header}</th>`)}</tr></thead>
<tbody>${t.rows.map(
    (row, i) =>
      html`<tr${i === t.rows.length - 1 ? html` class="total"` : ""}>${row.map((v, j) => {
        const col = t.columns[j] as Column;
        return cell(col.header, shown(v, col), col.kind === "text" ? undefined : "num");
      })}</tr>`,
  )}</tbody>
</table>`;
}

/** `yyyy-mm` → `mm/yyyy`, as Vietnamese readers write months. */
function monthLabel(month: string): string {
  return `${month.slice(5)}/${month.slice(0, 4)}`;
}

export function reportsPage(o: {
  viewer: Viewer;
  month: string;
  report?: MonthlyReport;
  error?: string;
  utcOffsetMinutes: number;
}): Html {
  const r = o.report;
  const form = html`<form method="get" action="/reports" class="card month-picker">
  <label for="month">Tháng (giờ Việt Nam)<input type="month" id="month" name="month" value="${o.month}" required></label>
  <button type="submit" class="primary">Xem báo cáo</button>
</form>`;
  return page(
    {
      title: `Báo cáo tháng ${monthLabel(o.month)}`,
      viewer: o.viewer,
      active: "reports",
      utcOffsetMinutes: o.utcOffsetMinutes,
    },
    html`<h1>Báo cáo tháng ${monthLabel(o.month)}</h1>
<p class="muted">Văn bản gửi, nhận qua trục theo từng cơ quan và từng cấp; tỷ lệ văn bản được xác nhận nhận trong thời hạn luật định; trạng thái đã gửi; văn bản quá hạn hoặc bị trả lại.</p>
${form}
${o.error ? html`<p class="flash error" role="alert">${o.error}</p>` : ""}
${
  r
    ? html`${r.truncated ? html`<p class="flash error">Kho lưu trữ dừng ở giới hạn số dòng: số liệu dưới đây có thể thiếu.</p>` : ""}
<p class="downloads">Tải về:
  <a class="download" href="${href(`/reports/${r.month}.xlsx`)}" download>Excel (XLSX)</a>
  <a class="download" href="${href(`/reports/${r.month}.csv`)}" download>CSV (UTF-8)</a></p>
<dl class="facts summary">
  <dt>Văn bản gửi đi</dt><dd data-total="sent">${r.total.sent}</dd>
  <dt>Văn bản nhận về</dt><dd data-total="received">${r.total.received}</dd>
  <dt>Tỷ lệ nhận đúng hạn</dt><dd data-total="share">${percentLabel(onTimeShare(r.total))}</dd>
  <dt>Quá hạn</dt><dd data-total="overdue">${r.total.overdue}</dd>
  <dt>Bị trả lại</dt><dd data-total="returned">${r.total.returned}</dd>
</dl>
${
  r.agencies.length === 0
    ? html`<p class="empty">Trong tháng này chưa có văn bản nào qua trục.</p>`
    : html`<h2>Theo cấp</h2>
<figure class="chart">${tierChart(r.tiers)}</figure>
${reportTable(tierTable(r), "tiers")}
<h2>Theo cơ quan</h2>
${reportTable(agencyTable(r), "agencies")}`
}
<h2>Cách tính</h2>
<dl class="facts about">${aboutLines(r).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`
    : ""
}`,
  );
}
