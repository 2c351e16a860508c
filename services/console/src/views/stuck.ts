import type { Directory } from "@edoc/directory";
import type { StuckDelivery } from "@edoc/messages";
import { type Html, href, html } from "../html.js";
import {
  DOC_TYPE_LABELS,
  formatTime,
  PRIORITY_LABELS,
  priorityLabel,
  REASON_LABELS,
  statusLabel,
} from "../labels.js";
import type { StuckPolicy } from "../stuck.js";
import { agency, stateBadge, statusBadge } from "./common.js";
import { cell, page, type Viewer } from "./layout.js";

const minutes = (ms: number) => Math.round(ms / 60_000);

function clock(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

const WEEKDAYS = ["CN", "T2", "T3", "T4", "T5", "T6", "T7"];

function policyList(p: StuckPolicy): Html {
  return html`<ul class="policy">
  <li><b>${REASON_LABELS["not-fetched"]}</b>: văn bản nằm trong hộp thư của cơ quan nhận quá ${minutes(p.notFetchedMs)} phút mà chưa được tải về.</li>
  <li><b>${REASON_LABELS["not-acknowledged"]}</b>: đã tải về quá ${minutes(p.notAcknowledgedMs)} phút mà hệ thống nhận chưa gửi xác nhận (done/fail).</li>
  <li><b>${REASON_LABELS["urgent-overdue"]}</b>: văn bản có độ khẩn chưa được xác nhận nhận sau ${[
    ...p.urgentMs.entries(),
  ]
    .sort((a, b) => a[0] - b[0])
    .map(([k, v]) => `${PRIORITY_LABELS[k] ?? k} ${minutes(v)} phút`)
    .join(", ")} kể từ khi vào hộp thư.</li>
  <li><b>${REASON_LABELS["no-reception-status"]}</b>: văn bản đến trước ${clock(p.workdayEndMinutes)} của ngày làm việc (${[
    ...p.workdays,
  ]
    .sort()
    .map((d) => WEEKDAYS[d])
    .join(
      ", ",
    )}) mà đến hết giờ làm việc cơ quan nhận chưa báo 01 (Đã đến) hoặc 03 (Đã tiếp nhận); văn bản đến sau giờ đó tính đến hết ngày làm việc kế tiếp.</li>
</ul>`;
}

export function stuckPage(o: {
  viewer: Viewer;
  items: StuckDelivery[];
  truncated: boolean;
  policy: StuckPolicy;
  directory: Directory;
  utcOffsetMinutes: number;
}): Html {
  const offset = o.utcOffsetMinutes;
  return page(
    { title: "Chuyển phát tồn đọng", viewer: o.viewer, active: "stuck", utcOffsetMinutes: offset },
    html`<h1>Chuyển phát tồn đọng</h1>
<details class="card"><summary>Ngưỡng đang áp dụng</summary>${policyList(o.policy)}
<p class="muted">Xem thêm: <a href="/dead-letters">thư chết</a> (tin nhắn các dịch vụ không xử lý được).</p></details>
${
  o.items.length === 0
    ? html`<p class="empty">Không có chuyển phát nào vượt ngưỡng.</p>`
    : html`<p class="count">${o.items.length} chuyển phát${o.truncated ? " (danh sách bị cắt)" : ""}</p>
<table class="stack stuck">
<thead><tr><th>Lý do</th><th>Văn bản</th><th>Cơ quan nhận</th><th>Vào hộp thư</th><th>Tình trạng</th><th>Độ khẩn</th></tr></thead>
<tbody>${o.items.map(
        (s) => html`<tr>
  ${cell("Lý do", html`<ul class="reasons">${s.reasons.map((r) => html`<li class="reason-${r}">${REASON_LABELS[r] ?? r}</li>`)}</ul>`)}
  ${cell(
    "Văn bản",
    html`<a class="doc" href="${href(`/letters/${encodeURIComponent(s.hubDocumentId)}`)}">${s.documentId}</a>${s.subject ? html`<div class="subject">${s.subject}</div>` : ""}<div class="sub">${DOC_TYPE_LABELS[s.docType] ?? s.docType}${s.statusCode ? ` ${statusLabel(s.statusCode)}` : ""} · từ ${agency(o.directory, s.from)}</div>`,
  )}
  ${cell("Cơ quan nhận", agency(o.directory, s.recipient))}
  ${cell("Vào hộp thư", html`${formatTime(s.availableAt, offset)}${s.fetchedAt ? html`<div class="sub">tải về ${formatTime(s.fetchedAt, offset)}</div>` : ""}`)}
  ${cell("Tình trạng", html`${stateBadge(s.state)} ${s.docType === "status" ? "" : statusBadge(s.lastStatus)}`)}
  ${cell("Độ khẩn", priorityLabel(s.priority), (s.priority ?? 0) >= 1 ? "urgent" : undefined)}
</tr>`,
      )}</tbody></table>`
}`,
  );
}
