import type { MaintenanceState } from "@edoc/messages";
import { type Html, html } from "../html.js";
import { formatTime } from "../labels.js";
import { csrfField, page, type Viewer } from "./layout.js";

function switchForm(s: MaintenanceState, viewer: Viewer): Html {
  if (viewer.role !== "operator")
    return html`<p class="muted">Chỉ cán bộ vận hành được bật hoặc tắt chế độ bảo trì.</p>`;
  if (s.on)
    return html`<form method="post" action="/maintenance" class="inline">${csrfField(viewer.csrf)}
  <input type="hidden" name="on" value="false">
  <button type="submit" class="primary" id="maintenance-off">Tắt bảo trì, nhận văn bản trở lại</button></form>`;
  return html`<form method="post" action="/maintenance">${csrfField(viewer.csrf)}
  <input type="hidden" name="on" value="true">
  <p><label>Lý do <input type="text" name="reason" maxlength="500" placeholder="nâng cấp cơ sở dữ liệu"></label></p>
  <p><label>Hệ thống gửi lại sau (giây, Retry-After) <input type="number" name="retryAfter" min="1" max="86400" value="300"></label></p>
  <button type="submit" class="primary" id="maintenance-on">Bật bảo trì</button></form>`;
}

/** Maintenance mode (bảo trì): its state and, for operators, the switch. */
export function maintenancePage(o: {
  viewer: Viewer;
  state: MaintenanceState;
  flash?: { kind: "ok" | "error"; text: string };
  utcOffsetMinutes: number;
}): Html {
  const s = o.state;
  const who = html`${s.by ? html` · ${s.by}` : ""}${s.since ? html` · từ ${formatTime(s.since, o.utcOffsetMinutes)}` : ""}`;
  return page(
    {
      title: "Bảo trì",
      viewer: o.viewer,
      active: "maintenance",
      utcOffsetMinutes: o.utcOffsetMinutes,
      ...(o.flash ? { flash: o.flash } : {}),
    },
    html`<h1>Chế độ bảo trì</h1>
<p>Khi bật, cổng tiếp nhận từ chối văn bản và trạng thái mới (503 MAINTENANCE, kèm Retry-After); các cơ quan vẫn nhận, tải và xác nhận văn bản trong hộp thư đến.</p>
<p id="maintenance-state" data-on="${String(s.on)}">${
      s.on
        ? html`<span class="badge health-degraded">Đang bảo trì</span>${s.reason ? html` ${s.reason}` : ""} · gửi lại sau ${String(s.retryAfterSeconds)} giây${who}`
        : html`<span class="badge health-ok">Đang nhận văn bản</span>${who}`
    }</p>
${switchForm(s, o.viewer)}`,
  );
}
