import { type Html, html } from "../html.js";
import { offsetLabel, ROLE_LABELS } from "../labels.js";
import type { Role } from "../users.js";

export interface Viewer {
  username: string;
  role: Role;
  csrf: string;
}

export interface PageOptions {
  title: string;
  viewer?: Viewer;
  /** the nav entry to mark current */
  active?:
    | "letters"
    | "stuck"
    | "dead"
    | "agencies"
    | "reports"
    | "system"
    | "maintenance"
    | "systems"
    | "registrations";
  flash?: { kind: "ok" | "error"; text: string };
  /** seconds: the page reloads itself (live views) */
  refresh?: number;
  utcOffsetMinutes: number;
}

const NAV = [
  { key: "letters", href: "/letters", label: "Tra cứu văn bản" },
  { key: "stuck", href: "/stuck", label: "Chuyển phát tồn đọng" },
  { key: "dead", href: "/dead-letters", label: "Thư chết" },
  { key: "agencies", href: "/agencies", label: "Danh bạ cơ quan" },
  { key: "reports", href: "/reports", label: "Báo cáo" },
  { key: "system", href: "/system", label: "Hàng đợi và dịch vụ" },
  { key: "systems", href: "/systems", label: "Hệ thống kết nối" },
  { key: "registrations", href: "/registrations", label: "Yêu cầu đăng ký" },
  { key: "maintenance", href: "/maintenance", label: "Bảo trì" },
] as const;

/** A hidden field carrying the session's CSRF token; every POST form includes it. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export function page(o: PageOptions, body: Html): Html {
  const v = o.viewer;
  return html`<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${o.refresh ? html`<meta http-equiv="refresh" content="${o.refresh}">` : ""}
<title>${o.title} · Trục liên thông văn bản</title>
<link rel="stylesheet" href="/static/console.css">
</head>
<body>
<header class="top">
  <div class="brand"><a href="/letters">Trục liên thông văn bản</a><span>Bảng điều khiển vận hành</span></div>
  ${
    v
      ? html`<nav aria-label="Chức năng">${NAV.map(
          (n) =>
            html`<a href="${n.href}"${n.key === o.active ? html` aria-current="page"` : ""}>${n.label}</a>`,
        )}</nav>
  <div class="me"><span class="who" data-role="${v.role}">${v.username} · ${ROLE_LABELS[v.role]}</span>
    <form method="post" action="/logout">${csrfField(v.csrf)}<button type="submit" class="link">Đăng xuất</button></form></div>`
      : ""
  }
</header>
<main>
${o.flash ? html`<p class="flash ${o.flash.kind}" role="status">${o.flash.text}</p>` : ""}
${body}
</main>
<footer>Thời gian hiển thị theo giờ ${offsetLabel(o.utcOffsetMinutes)} · Mã biên nhận (receipt id) tra được trong chuỗi biên nhận của trục</footer>
</body>
</html>
`;
}

/** A table cell with the column's name for the stacked (phone) layout. */
export function cell(label: string, content: Html | string | undefined, cls?: string): Html {
  return html`<td data-label="${label}"${cls ? html` class="${cls}"` : ""}>${content ?? "—"}</td>`;
}

/** A drop-down of a search form, "Tất cả" (any) first. */
export function select(
  name: string,
  label: string,
  value: string,
  options: readonly { value: string; label: string }[],
): Html {
  return html`<label>${label}<select name="${name}" id="${name}"><option value="">Tất cả</option>${options.map(
    (o) =>
      html`<option value="${o.value}"${o.value === value ? html` selected` : ""}>${o.label}</option>`,
  )}</select></label>`;
}
