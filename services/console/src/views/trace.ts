import type { Directory } from "@edoc/directory";
import type { ConsoleLetter, Trace, TraceEvent } from "@edoc/messages";
import { type Html, html } from "../html.js";
import {
  DOC_TYPE_LABELS,
  EVENT_LABELS,
  formatTime,
  priorityLabel,
  statusLabel,
} from "../labels.js";
import { agency, stateBadge, statusBadge } from "./common.js";
import { page, type Viewer } from "./layout.js";
import { pdfChecksCard } from "./pdfs.js";

/** The delivery's transport steps, in order; business statuses follow them. */
const STEPS = ["accepted", "routed", "available", "fetched", "acknowledged"] as const;
/** A peer hub's delivery (liên thông): its link fetched it and the far hub took it. */
const HUB_STEPS = ["accepted", "routed", "available", "fetched", "forwarded"] as const;

function eventTitle(e: TraceEvent): string {
  const base = EVENT_LABELS[e.type] ?? e.type;
  const code = e.data?.code;
  if (e.type === "status" && typeof code === "string") return `${base}: ${statusLabel(code)}`;
  if (e.type === "acknowledged" && e.data?.result === "fail") return `${base} (báo lỗi)`;
  return base;
}

function eventDetail(e: TraceEvent, directory: Directory): Html {
  const d = e.data ?? {};
  const parts: Html[] = [];
  if (e.type === "routed" && typeof d.addressedTo === "string" && d.addressedTo !== e.organId)
    parts.push(html`gửi tới ${agency(directory, d.addressedTo)}, chuyển theo mã kế thừa`);
  if (e.type === "acknowledged" && typeof d.reason === "string") parts.push(html`${d.reason}`);
  if (e.type === "returned" && typeof d.message === "string") {
    const code = typeof d.reason === "string" ? html`<code>${d.reason}</code> ` : "";
    parts.push(html`${code}${d.message}`);
  }
  if (e.type === "forwarded" && typeof d.hub === "string") {
    const far =
      typeof d.remoteReceipt === "string"
        ? html`, mã bên nhận <code>${d.remoteReceipt}</code>`
        : "";
    parts.push(html`trục <code>${d.hub}</code> đã nhận${far}`);
  }
  if (e.type === "withdrawn" && typeof d.revokedBy === "string")
    parts.push(html`thu hồi bởi <code>${d.revokedBy}</code>`);
  if ((e.type === "dead-lettered" || e.type === "redriven") && typeof d.reason === "string")
    parts.push(html`${d.reason}`);
  if (e.type === "redriven" && typeof d.by === "string") parts.push(html`bởi ${d.by}`);
  return parts.length === 0 ? html`` : html`<div class="detail">${parts}</div>`;
}

function stepItem(e: TraceEvent, directory: Directory, offset: number): Html {
  return html`<li class="done ev-${e.type}"><span class="step">${eventTitle(e)}</span>
  <time datetime="${e.at}">${formatTime(e.at, offset)}</time>
  <span class="rid">Biên nhận <code>${e.receiptId}</code> · #${e.seq}</span>${eventDetail(e, directory)}</li>`;
}

function missing(type: string): Html {
  return html`<li class="todo ev-${type}"><span class="step">${EVENT_LABELS[type] ?? type}</span><span class="muted">chưa có</span></li>`;
}

function recipientSection(
  r: Trace["recipients"][number],
  accepted: TraceEvent | undefined,
  directory: Directory,
  offset: number,
): Html {
  const byType = (t: string) => r.events.find((e) => e.type === t);
  const order: readonly string[] = r.hub === undefined ? STEPS : HUB_STEPS;
  const steps =
    r.state === "returned"
      ? [accepted ? stepItem(accepted, directory, offset) : missing("accepted")]
      : order.map((t) => {
          const e = t === "accepted" ? accepted : byType(t);
          return e ? stepItem(e, directory, offset) : missing(t);
        });
  const rest = r.events
    .filter((e) => r.state === "returned" || !order.includes(e.type))
    .sort((a, b) => a.seq - b.seq)
    .map((e) => stepItem(e, directory, offset));
  const last = r.statuses.at(-1)?.code;
  return html`<section class="recipient card">
  <h3>${agency(directory, r.recipient)}</h3>
  <p class="meta">${stateBadge(r.state)} ${r.state === "returned" ? "" : statusBadge(last)}
  ${r.addressedTo !== r.recipient ? html`<span class="muted">gửi tới ${agency(directory, r.addressedTo)}</span>` : ""}
  ${r.deliveryId ? html`<span class="muted">Mã chuyển phát <code>${r.deliveryId}</code></span>` : ""}
  ${r.hub !== undefined ? html`<span class="muted hub">Chuyển tiếp qua trục <code>${r.hub}</code></span>` : ""}</p>
  <ol class="timeline">${steps}${rest}</ol>
</section>`;
}

export function tracePage(o: {
  viewer: Viewer;
  letter: ConsoleLetter;
  trace: Trace;
  directory: Directory;
  utcOffsetMinutes: number;
}): Html {
  const { letter: l, trace: t, directory, utcOffsetMinutes: offset } = o;
  const accepted = t.events.find((e) => e.type === "accepted");
  return page(
    {
      title: `Văn bản ${l.documentId}`,
      viewer: o.viewer,
      active: "letters",
      utcOffsetMinutes: offset,
    },
    html`<p class="crumbs"><a href="/letters">← Tra cứu văn bản</a></p>
<h1 class="doc-title">${l.subject ?? l.documentId}</h1>
<section class="card letter">
<dl class="facts">
  <dt>Mã văn bản (DocumentId)</dt><dd><code id="document-id">${l.documentId}</code></dd>
  <dt>Mã trục</dt><dd><code>${l.hubDocumentId}</code></dd>
  <dt>Số/ký hiệu</dt><dd>${l.code ?? "—"}</dd>
  <dt>Loại</dt><dd>${DOC_TYPE_LABELS[l.docType] ?? l.docType}</dd>
  <dt>Độ khẩn</dt><dd>${priorityLabel(l.priority)}</dd>
  <dt>Cơ quan gửi</dt><dd>${agency(directory, l.from)}</dd>
  <dt>Trục nhận lúc</dt><dd>${formatTime(l.receivedAt, offset)}</dd>
  ${t.fromHub !== undefined ? html`<dt>Nhận từ trục</dt><dd><code>${t.fromHub}</code></dd>` : ""}
  ${t.hops !== undefined ? html`<dt>Các chặng trước</dt><dd id="hops">${t.hops.map((h, i) => html`${i > 0 ? " → " : ""}<code>${h.hub}</code> (${formatTime(h.at, offset)})`)}</dd>` : ""}
  <dt>Định tuyến</dt><dd>${stateBadge(l.routeState)}</dd>
</dl>
<p class="actions"><a id="verify-link" href="/letters/${l.hubDocumentId}/verification">Xác minh chữ ký và chuỗi biên nhận</a> · <a id="evidence-link" href="/letters/${l.hubDocumentId}/evidence.zip">Tải gói chứng cứ (.zip)</a></p>
</section>
${pdfChecksCard(t.pdfCheck, offset)}
<h2>Diễn biến theo từng nơi nhận</h2>
${t.recipients.length === 0 ? html`<p class="empty">Chưa có kế hoạch định tuyến cho văn bản này.</p>` : ""}
<div class="recipients">${t.recipients.map((r) => recipientSection(r, accepted, directory, offset))}</div>
<details class="card receipts"><summary>Toàn bộ biên nhận của văn bản (${t.events.length})</summary>
<table class="stack">
<thead><tr><th>#</th><th>Sự kiện</th><th>Thời điểm</th><th>Cơ quan</th><th>Mã biên nhận</th></tr></thead>
<tbody>${t.events.map(
      (e) =>
        html`<tr><td data-label="#">${e.seq}</td><td data-label="Sự kiện">${eventTitle(e)}</td><td data-label="Thời điểm">${formatTime(e.at, offset)}</td><td data-label="Cơ quan">${e.organId ? agency(directory, e.organId) : "—"}</td><td data-label="Mã biên nhận"><code>${e.receiptId}</code></td></tr>`,
    )}</tbody></table>
</details>`,
  );
}
