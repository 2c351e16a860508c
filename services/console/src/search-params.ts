import type { Directory } from "@edoc/directory";
import { isOrganId, TIERS, type Tier } from "@edoc/directory";
import { ConsoleSearchState } from "@edoc/messages";
import type { ParamsIn } from "./archive-client.js";
import { STATUS_CODES } from "./labels.js";
import type { SearchForm } from "./views/letters.js";

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `yyyy-mm-dd` day in the hub's civil time → its first instant (UTC). */
function dayStart(text: string, offsetMinutes: number): Date | undefined {
  const m = DAY.exec(text);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - offsetMinutes * 60_000;
  const d = new Date(t);
  return Number.isNaN(t) ? undefined : d;
}

/** Ids of every agency that has (had) this tier in the directory, any period. */
function idsOfTier(directory: Directory, tier: Tier): string[] {
  return [
    ...new Set(
      directory
        .all()
        .filter((a) => a.tier === tier)
        .map((a) => a.id),
    ),
  ];
}

/** Turns the search form into `console.search` params, or errors to show next to the form. */
export function searchParams(
  form: SearchForm,
  directory: Directory,
  offsetMinutes: number,
): { params?: ParamsIn<"console.search">; errors: string[]; empty?: boolean } {
  const errors: string[] = [];
  const p: ParamsIn<"console.search"> = { limit: 100 };
  let empty = false;
  if (form.documentId.trim() !== "") p.documentId = form.documentId.trim().slice(0, 1024);
  if (form.code.trim() !== "") p.code = form.code.trim().slice(0, 100);
  const side = (id: string, tier: string, label: string): string[] | undefined => {
    let ids: string[] | undefined;
    if (id.trim() !== "") {
      if (!isOrganId(id.trim())) {
        errors.push(`${label}: "${id}" không phải mã định danh dạng 000.00.00.H45`);
        return undefined;
      }
      ids = [id.trim()];
    }
    if (tier !== "") {
      if (!(TIERS as readonly string[]).includes(tier)) {
        errors.push(`${label}: cấp không hợp lệ`);
        return undefined;
      }
      const inTier = idsOfTier(directory, tier as Tier);
      ids = ids === undefined ? inTier : ids.filter((x) => inTier.includes(x));
      if (ids.length === 0) empty = true;
    }
    return ids;
  };
  const from = side(form.from, form.fromTier, "Cơ quan gửi");
  const to = side(form.to, form.toTier, "Cơ quan nhận");
  if (from) p.from = from.slice(0, 10_000);
  if (to) p.to = to.slice(0, 10_000);
  if (form.since !== "") {
    const d = dayStart(form.since, offsetMinutes);
    if (d) p.since = d.toISOString();
    else errors.push("Từ ngày: cần dạng yyyy-mm-dd");
  }
  if (form.until !== "") {
    const d = dayStart(form.until, offsetMinutes);
    if (d) p.until = new Date(d.getTime() + 24 * 3600_000).toISOString();
    else errors.push("Đến ngày: cần dạng yyyy-mm-dd");
  }
  if (form.state !== "") {
    const s = ConsoleSearchState.safeParse(form.state);
    if (s.success) p.state = s.data;
    else errors.push("Tình trạng chuyển phát không hợp lệ");
  }
  if (form.status !== "") {
    if (STATUS_CODES.includes(form.status)) p.status = form.status;
    else errors.push("Trạng thái xử lý không hợp lệ");
  }
  if (errors.length > 0) return { errors };
  return { params: p, errors, empty };
}
