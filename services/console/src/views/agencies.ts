import { type Agency, type Directory, type Resolution, TIERS } from "@edoc/directory";
import type { DirectoryChangeRecord } from "@edoc/messages";
import { type Html, href, html } from "../html.js";
import { DIRECTORY_OP_LABELS, formatTime, TIER_LABELS } from "../labels.js";
import { agency } from "./common.js";
import { cell, page, select, type Viewer } from "./layout.js";

/** The agencies page's filters (query parameters of GET /agencies). */
export interface AgencyFilter {
  /** part of the id or of the name */
  q: string;
  tier: string;
  /** a day yyyy-mm-dd (Vietnam), default today */
  at: string;
  /** every period, closed ones included */
  all: boolean;
}

function validity(a: Agency): string {
  return a.validTo ? `${a.validFrom} → ${a.validTo}` : `từ ${a.validFrom}`;
}

function agencyRows(rows: readonly Agency[], directory: Directory): Html {
  if (rows.length === 0) return html`<p class="empty">Không có cơ quan nào khớp điều kiện.</p>`;
  return html`<table class="stack agencies">
<thead><tr><th>Mã định danh</th><th>Tên cơ quan</th><th>Cấp</th><th>Trực thuộc</th><th>Hiệu lực</th><th>Kế thừa</th></tr></thead>
<tbody>${rows.map(
    (a) => html`<tr${a.validTo ? html` class="closed"` : ""}>
  ${cell("Mã định danh", html`<a href="${href(`/agencies/${a.id}`)}"><code>${a.id}</code></a>`)}
  ${cell("Tên cơ quan", a.name)}
  ${cell("Cấp", TIER_LABELS[a.tier])}
  ${cell("Trực thuộc", a.parent ? agency(directory, a.parent) : undefined)}
  ${cell("Hiệu lực", validity(a))}
  ${cell("Kế thừa", a.successor ? agency(directory, a.successor) : undefined)}
</tr>`,
  )}</tbody></table>`;
}

function historyRows(changes: readonly DirectoryChangeRecord[], offset: number): Html {
  if (changes.length === 0) return html`<p class="empty">Chưa có thay đổi nào.</p>`;
  return html`<table class="stack directory-history">
<thead><tr><th>Phiên bản</th><th>Thời điểm</th><th>Thay đổi</th><th>Người thực hiện</th><th>Cơ quan</th><th>Mã biên nhận</th></tr></thead>
<tbody>${changes.map((c) => {
    const ids = [...c.added, ...c.changed, ...c.removed];
    const shown = ids.slice(0, 8);
    return html`<tr>
  ${cell("Phiên bản", String(c.version))}
  ${cell("Thời điểm", html`<time datetime="${c.at}">${formatTime(c.at, offset)}</time>`)}
  ${cell("Thay đổi", html`${DIRECTORY_OP_LABELS[c.op] ?? c.op}${c.source ? html` <span class="muted">(${c.source})</span>` : ""}<div class="sub">${c.added.length} thêm · ${c.changed.length} sửa · ${c.removed.length} bỏ</div>`)}
  ${cell("Người thực hiện", c.actor)}
  ${cell("Cơ quan", html`${shown.map((id) => html`<a href="${href(`/agencies/${id}`)}"><code>${id}</code></a> `)}${ids.length > shown.length ? html`<span class="muted">và ${ids.length - shown.length} cơ quan khác</span>` : ""}`)}
  ${cell("Mã biên nhận", c.receiptId ? html`<code>${c.receiptId}</code>` : html`<span class="muted">đang ghi</span>`)}
</tr>`;
  })}</tbody></table>`;
}

export function agenciesPage(o: {
  viewer: Viewer;
  filter: AgencyFilter;
  rows: readonly Agency[];
  directory: Directory;
  history: readonly DirectoryChangeRecord[];
  utcOffsetMinutes: number;
}): Html {
  const f = o.filter;
  const tiers = TIERS.map((t) => ({ value: t, label: TIER_LABELS[t] }));
  const latest = o.history[0];
  return page(
    {
      title: "Danh bạ cơ quan",
      viewer: o.viewer,
      active: "agencies",
      utcOffsetMinutes: o.utcOffsetMinutes,
    },
    html`<h1>Danh bạ cơ quan</h1>
${latest ? html`<p class="muted">Phiên bản ${latest.version}, cập nhật ${formatTime(latest.at, o.utcOffsetMinutes)} bởi ${latest.actor}. Thay đổi bằng lệnh <code>edoc directory</code>; mọi dịch vụ áp dụng trong vài giây.</p>` : ""}
<form method="get" action="/agencies" class="search card" role="search">
  <div class="grid">
    <label>Mã định danh hoặc tên <input name="q" id="q" value="${f.q}" maxlength="200" placeholder="000.00.30.H45 hoặc Tuy Hòa"></label>
    ${select("tier", "Cấp", f.tier, tiers)}
    <label>Có hiệu lực ngày <input type="date" name="at" id="at" value="${f.at}"></label>
    <label class="check"><input type="checkbox" name="all" id="all" value="1"${f.all ? html` checked` : ""}> Cả các thời kỳ đã hết hiệu lực</label>
  </div>
  <div class="actions"><button type="submit" class="primary">Tìm kiếm</button> <a href="/agencies">Xóa điều kiện</a></div>
</form>
<p class="count">${o.rows.length} cơ quan</p>
${agencyRows(o.rows, o.directory)}
<h2>Lịch sử thay đổi</h2>
${historyRows(o.history, o.utcOffsetMinutes)}`,
  );
}

function resolutionText(id: string, r: Resolution, directory: Directory): Html {
  if (r.status === "active") {
    return r.via.length === 0
      ? html`<p>Đang hoạt động: văn bản gửi tới <code>${id}</code> được chuyển cho chính cơ quan này.</p>`
      : html`<p>Văn bản gửi tới <code>${id}</code> được chuyển cho ${agency(directory, r.agency.id)} theo mã kế thừa (${r.via.join(" → ")}).</p>`;
  }
  return r.status === "inactive"
    ? html`<p>Đã ngừng hoạt động, không có cơ quan kế thừa đang hoạt động: văn bản gửi tới sẽ bị trả lại.</p>`
    : html`<p>Chưa có hiệu lực: văn bản gửi tới sẽ bị trả lại.</p>`;
}

export function agencyPage(o: {
  viewer: Viewer;
  id: string;
  periods: readonly Agency[];
  resolution: Resolution | undefined;
  directory: Directory;
  history: readonly DirectoryChangeRecord[];
  utcOffsetMinutes: number;
}): Html {
  const name = o.periods.at(-1)?.name ?? o.id;
  return page(
    {
      title: name,
      viewer: o.viewer,
      active: "agencies",
      utcOffsetMinutes: o.utcOffsetMinutes,
    },
    html`<p><a href="/agencies">← Danh bạ cơ quan</a></p>
<h1>${name} <code>${o.id}</code></h1>
${o.resolution ? resolutionText(o.id, o.resolution, o.directory) : html`<p>Không còn trong danh bạ.</p>`}
<h2>Các thời kỳ</h2>
${agencyRows(o.periods, o.directory)}
<h2>Lịch sử thay đổi</h2>
${historyRows(o.history, o.utcOffsetMinutes)}`,
  );
}
