import { type Html, html } from "../html.js";
import { page } from "./layout.js";

export function loginPage(o: {
  token: string;
  next: string;
  username?: string;
  error?: string;
  utcOffsetMinutes: number;
}): Html {
  return page(
    { title: "Đăng nhập", utcOffsetMinutes: o.utcOffsetMinutes },
    html`<section class="login card">
  <h1>Đăng nhập</h1>
  <p class="muted">Dành cho cán bộ vận hành và kiểm toán của trục liên thông.</p>
  ${o.error ? html`<p class="flash error" role="alert">${o.error}</p>` : ""}
  <form method="post" action="/login" autocomplete="on">
    <input type="hidden" name="_csrf" value="${o.token}">
    <input type="hidden" name="next" value="${o.next}">
    <label>Tên đăng nhập <input name="username" id="username" autocomplete="username" required maxlength="64" value="${o.username ?? ""}" autofocus></label>
    <label>Mật khẩu <input name="password" id="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
    <button type="submit" class="primary">Đăng nhập</button>
  </form>
</section>`,
  );
}
