import { type Html, html } from "../html.js";
import { page, type Viewer } from "./layout.js";

export function errorPage(o: {
  status: number;
  title: string;
  message: string;
  viewer?: Viewer;
  utcOffsetMinutes: number;
}): Html {
  return page(
    {
      title: o.title,
      utcOffsetMinutes: o.utcOffsetMinutes,
      ...(o.viewer ? { viewer: o.viewer } : {}),
    },
    html`<section class="card error-page">
  <h1>${o.title}</h1>
  <p>${o.message}</p>
  <p class="muted">Mã HTTP ${o.status}</p>
  <p><a href="/letters">Về trang tra cứu</a></p>
</section>`,
  );
}
