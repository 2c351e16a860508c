import type { ConsoleDeadLetter } from "@edoc/messages";
import { type Html, href, html } from "../html.js";
import { formatTime } from "../labels.js";
import { cell, csrfField, page, type Viewer } from "./layout.js";

export type DeadFilter = "open" | "redriven" | "all";

const FILTERS: readonly { key: DeadFilter; label: string }[] = [
  { key: "open", label: "Chưa xử lý" },
  { key: "redriven", label: "Đã gửi lại" },
  { key: "all", label: "Tất cả" },
];

function action(d: ConsoleDeadLetter, viewer: Viewer, filter: DeadFilter, offset: number): Html {
  if (d.redrivenAt)
    return html`<span class="badge state-acknowledged">Đã gửi lại</span><div class="sub">${formatTime(d.redrivenAt, offset)}${d.redrivenBy ? html` · ${d.redrivenBy}` : ""}</div>${d.redriveReceiptId ? html`<div class="sub">Biên nhận <code>${d.redriveReceiptId}</code></div>` : ""}`;
  if (!d.redrivable)
    return html`<span class="muted">Không gửi lại được (hàng đợi gốc ${d.originQueue} không phải hàng đợi công việc)</span>`;
  if (viewer.role !== "operator")
    return html`<span class="muted">Chỉ cán bộ vận hành được gửi lại</span>`;
  return html`<form method="post" action="/dead-letters/redrive" class="inline">
  ${csrfField(viewer.csrf)}<input type="hidden" name="id" value="${d.id}"><input type="hidden" name="filter" value="${filter}">
  <button type="submit" class="primary redrive" data-id="${d.id}">Gửi lại</button></form>`;
}

export function deadLettersPage(o: {
  viewer: Viewer;
  items: ConsoleDeadLetter[];
  truncated: boolean;
  filter: DeadFilter;
  flash?: { kind: "ok" | "error"; text: string };
  utcOffsetMinutes: number;
}): Html {
  const offset = o.utcOffsetMinutes;
  return page(
    {
      title: "Thư chết",
      viewer: o.viewer,
      active: "dead",
      utcOffsetMinutes: offset,
      ...(o.flash ? { flash: o.flash } : {}),
    },
    html`<h1>Thư chết (dead letters)</h1>
<p class="muted">Tin nhắn mà một dịch vụ đã bỏ cuộc sau nhiều lần thử hoặc vì lỗi không thể khắc phục. Gửi lại đưa đúng tin nhắn đó vào lại hàng đợi gốc; mỗi lần gửi lại có một biên nhận trong chuỗi.</p>
<nav class="tabs" aria-label="Lọc">${FILTERS.map(
      (f) =>
        html`<a href="${href("/dead-letters", { state: f.key })}"${f.key === o.filter ? html` aria-current="page"` : ""}>${f.label}</a>`,
    )}</nav>
${
  o.items.length === 0
    ? html`<p class="empty">Không có thư chết nào.</p>`
    : html`<p class="count">${o.items.length} thư${o.truncated ? " (danh sách bị cắt)" : ""}</p>
<table class="stack dead">
<thead><tr><th>Thời điểm</th><th>Hàng đợi gốc</th><th>Lý do</th><th>Nội dung</th><th>Thao tác</th></tr></thead>
<tbody>${o.items.map(
        (d) => html`<tr data-dead-id="${d.id}">
  ${cell("Thời điểm", html`${formatTime(d.deadAt ?? d.at, offset)}${d.receiptId ? html`<div class="sub">Biên nhận <code>${d.receiptId}</code></div>` : ""}`)}
  ${cell("Hàng đợi gốc", html`<code>${d.originQueue}</code>`)}
  ${cell("Lý do", html`<b>${d.reason}</b>${d.error ? html`<div class="sub error-text">${d.error}</div>` : ""}`)}
  ${cell(
    "Nội dung",
    html`<div class="sub">Mã tin <code>${d.messageId}</code></div>${d.hubDocumentId ? html`<div class="sub">Văn bản <a href="${href(`/letters/${encodeURIComponent(d.hubDocumentId)}`)}"><code>${d.hubDocumentId}</code></a></div>` : ""}
    <details><summary>${d.bodyBytes} byte</summary><pre>${d.body}</pre></details>`,
  )}
  ${cell("Thao tác", action(d, o.viewer, o.filter, offset))}
</tr>`,
      )}</tbody></table>`
}`,
  );
}
