import { TIER_LABELS, TIERS } from "@edoc/directory";
import type { Registration, SystemView } from "@edoc/messages";
import { type Html, href, html } from "../html.js";
import { formatTime } from "../labels.js";
import { cell, csrfField, page, type Viewer } from "./layout.js";

type Flash = { kind: "ok" | "error"; text: string };

/** Agency systems of the VDXP listener: read-only here (managed with `edoc system`). */
export function systemsPage(o: {
  viewer: Viewer;
  systems: SystemView[];
  utcOffsetMinutes: number;
}): Html {
  const offset = o.utcOffsetMinutes;
  return page(
    { title: "Hệ thống kết nối", viewer: o.viewer, active: "systems", utcOffsetMinutes: offset },
    html`<h1>Hệ thống kết nối (VDXP)</h1>
<p class="muted">Hệ thống quản lý văn bản của các cơ quan kết nối qua giao thức của trục quốc gia (systemid + khoá bí mật). Thêm, khoá, đổi khoá: <code>edoc system</code> (xem docs/vdxp.md).</p>
${
  o.systems.length === 0
    ? html`<p class="empty">Chưa có hệ thống nào.</p>`
    : html`<table class="stack systems">
<thead><tr><th>Mã hệ thống</th><th>Trạng thái</th><th>Hộp thư của cơ quan</th><th>Khoá bí mật</th></tr></thead>
<tbody>${o.systems.map(
        (s) => html`<tr data-system-id="${s.systemId}">
  ${cell("Mã hệ thống", html`<code>${s.systemId}</code>${s.name ? html`<div class="sub">${s.name}</div>` : ""}`)}
  ${cell(
    "Trạng thái",
    html`${s.enabled ? html`<span class="badge state-acknowledged">Hoạt động</span>` : html`<span class="badge state-failed">Đã khoá</span>`}${s.requireMtls ? html`<div class="sub">Bắt buộc chứng thư (mTLS)</div>` : ""}`,
  )}
  ${cell("Hộp thư của cơ quan", html`${s.organIds.map((id) => html`<code>${id}</code> `)}`)}
  ${cell("Khoá bí mật", html`đặt lúc ${formatTime(s.secretRotatedAt, offset)}`)}
</tr>`,
      )}</tbody></table>`
}`,
  );
}

const KIND_LABEL = { register: "Đăng ký cơ quan", delete: "Xoá cơ quan" } as const;
const STATE_LABEL = { pending: "Chờ duyệt", approved: "Đã duyệt", refused: "Từ chối" } as const;

function decision(r: Registration, viewer: Viewer, offset: number): Html {
  if (r.state !== "pending") {
    return html`<span class="badge state-${r.state === "approved" ? "acknowledged" : "failed"}">${STATE_LABEL[r.state]}</span><div class="sub">${formatTime(r.decidedAt, offset)} · ${r.decidedBy ?? ""}</div>${r.reason ? html`<div class="sub">${r.reason}</div>` : ""}${r.appliedNote ? html`<div class="sub">${r.appliedNote}</div>` : ""}`;
  }
  if (viewer.role !== "operator")
    return html`<span class="muted">Chỉ cán bộ vận hành được duyệt</span>`;
  return html`<form method="post" action="/registrations/decide" class="inline">
  ${csrfField(viewer.csrf)}<input type="hidden" name="id" value="${r.id}">
  ${
    r.kind === "register"
      ? html`<select name="tier" aria-label="Cấp của cơ quan"><option value="">Cấp…</option>${TIERS.map((t) => html`<option value="${t}">${TIER_LABELS[t]}</option>`)}</select>`
      : ""
  }
  <input type="text" name="reason" maxlength="500" placeholder="Lý do (không bắt buộc)">
  <button type="submit" name="decision" value="approve" class="primary approve" data-id="${r.id}">Duyệt</button>
  <button type="submit" name="decision" value="refuse" class="refuse" data-id="${r.id}">Từ chối</button></form>`;
}

/** registerAgency / deleteAgency requests filed through the VDXP listener. */
export function registrationsPage(o: {
  viewer: Viewer;
  registrations: Registration[];
  pendingOnly: boolean;
  flash?: Flash;
  utcOffsetMinutes: number;
}): Html {
  const offset = o.utcOffsetMinutes;
  return page(
    {
      title: "Yêu cầu đăng ký",
      viewer: o.viewer,
      active: "registrations",
      utcOffsetMinutes: offset,
      ...(o.flash ? { flash: o.flash } : {}),
    },
    html`<h1>Yêu cầu đăng ký cơ quan</h1>
<p class="muted">Yêu cầu <code>registerAgency</code> / <code>deleteAgency</code> do các hệ thống gửi qua giao thức VDXP. Danh bạ không thay đổi cho đến khi cán bộ vận hành duyệt.</p>
<nav class="tabs" aria-label="Lọc"><a href="${href("/registrations", { state: "pending" })}"${o.pendingOnly ? html` aria-current="page"` : ""}>Chờ duyệt</a><a href="${href("/registrations", { state: "all" })}"${o.pendingOnly ? "" : html` aria-current="page"`}>Tất cả</a></nav>
${
  o.registrations.length === 0
    ? html`<p class="empty">Không có yêu cầu nào.</p>`
    : html`<table class="stack registrations">
<thead><tr><th>Thời điểm</th><th>Hệ thống</th><th>Yêu cầu</th><th>Cơ quan</th><th>Quyết định</th></tr></thead>
<tbody>${o.registrations.map(
        (r) => html`<tr data-registration-id="${r.id}">
  ${cell("Thời điểm", formatTime(r.requestedAt, offset))}
  ${cell("Hệ thống", html`<code>${r.systemId}</code>`)}
  ${cell("Yêu cầu", KIND_LABEL[r.kind])}
  ${cell(
    "Cơ quan",
    html`<code>${r.code}</code>${r.name ? html` ${r.name}` : ""}${r.parentCode ? html`<div class="sub">Cơ quan cấp trên <code>${r.parentCode}</code></div>` : ""}${r.mail ? html`<div class="sub">${r.mail}</div>` : ""}`,
  )}
  ${cell("Quyết định", decision(r, o.viewer, offset))}
</tr>`,
      )}</tbody></table>`
}`,
  );
}
