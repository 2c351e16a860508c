import type { QueueStats } from "@edoc/bus";
import type { ServiceHealth } from "../health.js";
import { type Html, html } from "../html.js";
import { formatTime } from "../labels.js";
import { cell, page, type Viewer } from "./layout.js";

const QUEUE_LABELS: Record<string, string> = {
  "router.inbound": "Lưu trữ → định tuyến: gói tin chờ định tuyến",
  "archive.plans": "Định tuyến → lưu trữ: kế hoạch chuyển phát",
  "archive.rpc": "Yêu cầu RPC tới lưu trữ",
  "signer.rpc": "Yêu cầu ký tới dịch vụ ký (HSM)",
  dead: "Thư chết",
};

const HEALTH_LABELS: Record<ServiceHealth["state"], string> = {
  ok: "Hoạt động",
  degraded: "Suy giảm",
  unreachable: "Không liên lạc được",
  unconfigured: "Chưa cấu hình cổng",
};

const SERVICE_LABELS: Record<string, string> = {
  gateway: "Cổng tiếp nhận (gateway)",
  archive: "Lưu trữ (archive)",
  router: "Định tuyến (router)",
  console: "Bảng điều khiển (console)",
};

export function systemPage(o: {
  viewer: Viewer;
  queues: QueueStats[] | undefined;
  services: ServiceHealth[];
  archive: { database: boolean; chainHead?: { seq: number; hash: string } } | undefined;
  now: Date;
  refreshSeconds: number;
  utcOffsetMinutes: number;
}): Html {
  return page(
    {
      title: "Hàng đợi và dịch vụ",
      viewer: o.viewer,
      active: "system",
      refresh: o.refreshSeconds,
      utcOffsetMinutes: o.utcOffsetMinutes,
    },
    html`<h1>Hàng đợi và dịch vụ</h1>
<p class="muted">Cập nhật lúc ${formatTime(o.now.toISOString(), o.utcOffsetMinutes)}; trang tự làm mới sau ${o.refreshSeconds} giây.</p>
<h2>Hàng đợi</h2>
${
  o.queues === undefined
    ? html`<p class="flash error">Không đọc được số liệu hàng đợi: bảng điều khiển chưa kết nối được RabbitMQ.</p>`
    : html`<table class="stack queues">
<thead><tr><th>Hàng đợi</th><th>Tin chờ</th><th>Consumer</th></tr></thead>
<tbody>${o.queues.map(
        (q) => html`<tr data-queue="${q.queue}">
  ${cell("Hàng đợi", html`<code>${q.queue}</code><div class="sub">${QUEUE_LABELS[q.queue] ?? ""}</div>`)}
  ${cell("Tin chờ", String(q.messages), q.messages > 0 && q.queue === "dead" ? "warn num" : "num")}
  ${cell("Consumer", String(q.consumers), q.consumers === 0 ? "warn num" : "num")}
</tr>`,
      )}</tbody></table>`
}
<h2>Dịch vụ</h2>
<table class="stack services">
<thead><tr><th>Dịch vụ</th><th>Tình trạng</th><th>Kiểm tra</th></tr></thead>
<tbody>${o.services.map(
      (s) => html`<tr data-service="${s.name}">
  ${cell("Dịch vụ", html`${SERVICE_LABELS[s.name] ?? s.name}${s.port > 0 ? html`<div class="sub">127.0.0.1:${s.port}/health</div>` : ""}`)}
  ${cell("Tình trạng", html`<span class="badge health-${s.state}">${HEALTH_LABELS[s.state]}</span>`)}
  ${cell(
    "Kiểm tra",
    Object.keys(s.checks).length === 0
      ? html`<span class="muted">—</span>`
      : html`<ul class="checks">${Object.entries(s.checks).map(
          ([k, v]) => html`<li class="${v ? "ok" : "fail"}">${k}: ${v ? "đạt" : "lỗi"}</li>`,
        )}</ul>`,
  )}
</tr>`,
    )}</tbody></table>
<h2>Chuỗi biên nhận</h2>
${
  o.archive
    ? html`<p>Cơ sở dữ liệu: ${o.archive.database ? "đạt" : "lỗi"}${o.archive.chainHead ? html` · Đầu chuỗi #${o.archive.chainHead.seq} <code class="hash">${o.archive.chainHead.hash}</code>` : ""}</p>`
    : html`<p class="flash error">Kho lưu trữ không trả lời yêu cầu health qua archive.rpc.</p>`
}`,
  );
}
