import type { PdfCheck, PdfRecord } from "@edoc/messages";
import { type Html, html } from "../html.js";
import { formatTime } from "../labels.js";

/** Vietnamese labels of the PDF verdicts (docs/pades.md lists the codes). */
const VERDICT_LABELS: Record<string, string> = {
  PDF_SIGNATURE_VALID: "Chữ ký hợp lệ",
  PDF_UNSIGNED: "Không có chữ ký",
  PDF_DIGEST_MISMATCH: "Nội dung bị sửa sau khi ký",
  PDF_SIGNATURE_INVALID: "Chữ ký không hợp lệ",
  PDF_SIGNATURE_UNSUPPORTED: "Kiểu chữ ký không hỗ trợ",
  PDF_CERT_UNTRUSTED: "Chứng thư số không tin cậy",
  PDF_CERT_REVOKED: "Chứng thư số đã bị thu hồi",
  PDF_MODIFIED_AFTER_SIGNING: "Có thay đổi sau chữ ký cuối",
};
const HOLDER_LABELS = { seal: "Cơ quan (con dấu)", person: "Cá nhân", unknown: "Không xác định" };

function verdictBadge(verdict: string): Html {
  const tone = verdict === "PDF_SIGNATURE_VALID" ? "ok" : "bad";
  return html`<span class="badge pdf-${tone}" data-verdict="${verdict}">${VERDICT_LABELS[verdict] ?? verdict}</span>`;
}

function signatureRow(s: PdfRecord["signatures"][number], offset: number): Html {
  return html`<tr><td data-label="#">${s.index}</td>
<td data-label="Người ký">${s.signer?.subject ?? "—"}<div class="muted">${HOLDER_LABELS[s.holder]}</div></td>
<td data-label="Thời điểm ký (tự khai)">${s.signingTime ? formatTime(s.signingTime, offset) : "—"}</td>
<td data-label="Kết quả">${verdictBadge(s.verdict)}${s.coversWholeFile ? "" : html`<div class="muted">có cập nhật sau chữ ký này</div>`}
${s.reasons.map((r) => html`<div class="detail">${r.detail ?? r.code}: ${r.message}</div>`)}</td></tr>`;
}

function pdfSection(p: PdfRecord, offset: number): Html {
  return html`<section class="pdf"><h3><code>${p.path}</code> ${verdictBadge(p.verdict)}</h3>
${p.problem ? html`<p class="detail">${p.problem}</p>` : ""}
<p class="muted">${p.size} byte · SHA-256 <code>${p.sha256}</code> · kiểm tra lúc ${formatTime(p.validatedAt, offset)}</p>
${
  p.signatures.length === 0
    ? ""
    : html`<table class="stack"><thead><tr><th>#</th><th>Người ký</th><th>Thời điểm ký (tự khai)</th><th>Kết quả</th></tr></thead>
<tbody>${p.signatures.map((s) => signatureRow(s, offset))}</tbody></table>`
}</section>`;
}

/** The letter's PDF signatures as the gateway judged them at submit (chữ ký số trên văn bản). */
export function pdfChecksCard(check: PdfCheck | undefined, offset: number): Html {
  if (!check) return html``;
  return html`<section class="card pdfs" id="pdf-signatures"><h2>Chữ ký số trên tệp PDF</h2>
${check.warning ? html`<p class="warning">Cảnh báo: có tệp PDF không mang chữ ký hợp lệ (chính sách của cơ quan gửi: cảnh báo).</p>` : ""}
${check.pdfs.length === 0 ? html`<p class="empty">Văn bản không có tệp PDF.</p>` : check.pdfs.map((p) => pdfSection(p, offset))}
</section>`;
}
