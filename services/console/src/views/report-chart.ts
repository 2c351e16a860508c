import { onTimeShare, type TierLine, tierLabel } from "@edoc/reports";
import { type Html, html } from "../html.js";
import { percentLabel } from "../labels.js";

// The monthly report's chart, drawn on the server as inline SVG: no script, no style attribute
// (the console's CSP allows neither), colours as SVG presentation attributes.

/** The parts of a tier's received letters, left to right, with their colours and names. */
export const RECEIPT_PARTS = [
  { key: "onTime", label: "Nhận đúng hạn", fill: "#1c7a3e" },
  { key: "overdue", label: "Quá hạn", fill: "#b3261e" },
  { key: "pending", label: "Chưa đến hạn", fill: "#9aa5b1" },
  { key: "withdrawn", label: "Bị thu hồi", fill: "#d9dee5" },
] as const;
const SENT = { label: "Gửi đi", fill: "#0b5cad" };

const WIDTH = 760;
const LABEL_W = 200;
const BAR_W = 470;
const ROW_H = 46;
const TOP = 34;

/**
 * One group per tier: a bar of letters sent and a bar of letters received, split by how they
 * stand against the receipt deadline, on one scale; the on-time share at the end.
 */
export function tierChart(tiers: readonly TierLine[]): Html {
  const max = Math.max(1, ...tiers.flatMap((t) => [t.sent, t.received]));
  const scale = (n: number) => (n / max) * BAR_W;
  const height = TOP + tiers.length * ROW_H + 8;
  let lx = LABEL_W;
  const legend = [SENT, ...RECEIPT_PARTS].map((p) => {
    const x = lx;
    lx += 34 + p.label.length * 7; // room for the label at 12 px
    return html`<rect x="${x}" y="6" width="12" height="12" fill="${p.fill}"/><text x="${x + 16}" y="16" font-size="12" fill="#1d2733">${p.label}</text>`;
  });
  const rows = tiers.map((t, i) => {
    const y = TOP + i * ROW_H;
    let x = LABEL_W;
    const parts = RECEIPT_PARTS.map((p) => {
      const w = scale(t[p.key]);
      const rect =
        w > 0
          ? html`<rect x="${x.toFixed(1)}" y="${y + 18}" width="${w.toFixed(1)}" height="16" fill="${p.fill}"><title>${tierLabel(t.tier)} · ${p.label}: ${t[p.key]}</title></rect>`
          : "";
      x += w;
      return rect;
    });
    return html`<g class="tier" data-tier="${t.tier}">
<text x="${LABEL_W - 8}" y="${y + 22}" font-size="13" text-anchor="end" fill="#1d2733">${tierLabel(t.tier)}</text>
<rect x="${LABEL_W}" y="${y}" width="${scale(t.sent).toFixed(1)}" height="16" fill="${SENT.fill}"><title>${tierLabel(t.tier)} · ${SENT.label}: ${t.sent}</title></rect>
<text x="${LABEL_W + scale(t.sent) + 6}" y="${y + 13}" font-size="12" fill="#5b6776">${t.sent}</text>
${parts}
<text x="${x + 6}" y="${y + 31}" font-size="12" fill="#5b6776">${t.received} · ${percentLabel(onTimeShare(t))} đúng hạn</text>
</g>`;
  });
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="Văn bản gửi và nhận theo cấp" xmlns="http://www.w3.org/2000/svg">
<title>Văn bản gửi đi và nhận về theo cấp, nhận đúng hạn và quá hạn</title>
${legend}
${rows}
</svg>`;
}
