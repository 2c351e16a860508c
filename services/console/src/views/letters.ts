import type { Directory } from "@edoc/directory";
import { TIERS } from "@edoc/directory";
import { type ConsoleLetter, ConsoleSearchState } from "@edoc/messages";
import { type Html, href, html } from "../html.js";
import {
  DOC_TYPE_LABELS,
  formatTime,
  priorityLabel,
  STATE_LABELS,
  STATUS_CODES,
  statusLabel,
  TIER_LABELS,
} from "../labels.js";
import { agency, stateBadge, statusBadge } from "./common.js";
import { cell, page, select, type Viewer } from "./layout.js";

/** The search form as typed (query parameters of GET /letters). */
export interface SearchForm {
  documentId: string;
  code: string;
  from: string;
  to: string;
  fromTier: string;
  toTier: string;
  since: string;
  until: string;
  state: string;
  status: string;
}

export const SEARCH_FIELDS: readonly (keyof SearchForm)[] = [
  "documentId",
  "code",
  "from",
  "to",
  "fromTier",
  "toTier",
  "since",
  "until",
  "state",
  "status",
];

export function lettersPage(o: {
  viewer: Viewer;
  form: SearchForm;
  errors: string[];
  result?: { letters: ConsoleLetter[]; truncated: boolean };
  directory: Directory;
  utcOffsetMinutes: number;
}): Html {
  const f = o.form;
  const tiers = TIERS.map((t) => ({ value: t, label: TIER_LABELS[t] }));
  const agencies = o.directory.list();
  const searched = o.result !== undefined;
  return page(
    {
      title: "Tra cứu văn bản",
      viewer: o.viewer,
      active: "letters",
      utcOffsetMinutes: o.utcOffsetMinutes,
    },
    html`<h1>Tra cứu văn bản</h1>
<form method="get" action="/letters" class="search card" role="search">
  <div class="grid">
    <label>Mã văn bản (DocumentId) hoặc mã trục <input name="documentId" id="documentId" value="${f.documentId}" maxlength="1024" placeholder="000.00.00.G22,2025/09/30,7816/VPCP-TTĐT"></label>
    <label>Số/ký hiệu <input name="code" id="code" value="${f.code}" maxlength="100" placeholder="7816/VPCP-TTĐT"></label>
    <label>Cơ quan gửi (mã định danh) <input name="from" id="from" value="${f.from}" list="agencies" maxlength="13" placeholder="000.00.00.H45"></label>
    <label>Cơ quan nhận (mã định danh) <input name="to" id="to" value="${f.to}" list="agencies" maxlength="13"></label>
    ${select("fromTier", "Cấp cơ quan gửi", f.fromTier, tiers)}
    ${select("toTier", "Cấp cơ quan nhận", f.toTier, tiers)}
    <label>Từ ngày <input type="date" name="since" id="since" value="${f.since}"></label>
    <label>Đến ngày <input type="date" name="until" id="until" value="${f.until}"></label>
    ${select(
      "state",
      "Tình trạng chuyển phát",
      f.state,
      ConsoleSearchState.options.map((s) => ({ value: s, label: STATE_LABELS[s] ?? s })),
    )}
    ${select(
      "status",
      "Trạng thái xử lý",
      f.status,
      STATUS_CODES.map((c) => ({ value: c, label: statusLabel(c) })),
    )}
  </div>
  <datalist id="agencies">${agencies.map((a) => html`<option value="${a.id}">${a.name}</option>`)}</datalist>
  <div class="actions"><button type="submit" class="primary">Tìm kiếm</button> <a href="/letters">Xóa điều kiện</a></div>
</form>
${o.errors.length > 0 ? html`<ul class="flash error">${o.errors.map((e) => html`<li>${e}</li>`)}</ul>` : ""}
${searched ? results(o.result?.letters ?? [], o.result?.truncated ?? false, o.directory, o.utcOffsetMinutes) : ""}`,
  );
}

function results(
  letters: ConsoleLetter[],
  truncated: boolean,
  directory: Directory,
  offset: number,
): Html {
  if (letters.length === 0)
    return html`<p class="empty">Không tìm thấy văn bản nào khớp điều kiện.</p>`;
  return html`<p class="count">${letters.length} văn bản${truncated ? " (chỉ hiện những văn bản mới nhất; hãy thu hẹp điều kiện)" : ""}</p>
<table class="stack results">
<thead><tr><th>Trục nhận lúc</th><th>Văn bản</th><th>Cơ quan gửi</th><th>Nơi nhận</th><th>Độ khẩn</th></tr></thead>
<tbody>
${letters.map(
  (l) => html`<tr>
  ${cell("Trục nhận lúc", html`<time datetime="${l.receivedAt}">${formatTime(l.receivedAt, offset)}</time>`)}
  ${cell(
    "Văn bản",
    html`<a class="doc" href="${href(`/letters/${encodeURIComponent(l.hubDocumentId)}`)}">${l.documentId}</a>
    <div class="sub">${l.code ? html`Số/ký hiệu <b>${l.code}</b> · ` : ""}${DOC_TYPE_LABELS[l.docType] ?? l.docType}${l.routeState !== "planned" ? html` · ${stateBadge(l.routeState)}` : ""}</div>
    ${l.subject ? html`<div class="subject">${l.subject}</div>` : ""}`,
  )}
  ${cell("Cơ quan gửi", agency(directory, l.from))}
  ${cell(
    "Nơi nhận",
    html`<ul class="recips">${l.recipients.map(
      (r) =>
        html`<li>${agency(directory, r.recipient)}${r.hub !== undefined ? html` <span class="muted hub" title="liên thông: trục chuyển tiếp">→ trục <code>${r.hub}</code></span>` : ""} ${stateBadge(r.state)} ${r.state === "returned" ? "" : statusBadge(r.lastStatus)}</li>`,
    )}${l.recipients.length === 0 ? html`<li class="muted">chưa định tuyến: ${l.to.join(", ")}</li>` : ""}</ul>`,
  )}
  ${cell("Độ khẩn", priorityLabel(l.priority), (l.priority ?? 0) >= 1 ? "urgent" : undefined)}
</tr>`,
)}
</tbody></table>`;
}
