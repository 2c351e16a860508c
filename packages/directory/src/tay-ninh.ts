import type { Agency, Tier } from "./agency.js";
import { isIsoDate } from "./dates.js";
import { DirectoryError, quote } from "./errors.js";
import { type OrganId, organIdLevel, parentOf, parseOrganId } from "./organ-id.js";

export interface TsvSkip {
  /** 1-based physical line number in the file */
  line: number;
  reason: string;
}

export interface TayNinhImportOptions {
  /** validFrom of every imported record; default 2021-01-01 (the snapshot's year) */
  validFrom?: string;
  /** optional validTo for every record, e.g. "2025-07-01" to mark the snapshot closed */
  validTo?: string;
}

export interface TayNinhImport {
  agencies: Agency[];
  skipped: TsvSkip[];
}

/*
 * Tier rules for the Tây Ninh 2021 list (agencies-tay-ninh-2021.tsv, `code<TAB>name`).
 * Codes and names must agree; when they do not, the line is skipped, never guessed.
 *   T1 000.00.00.Gnn                   -> central  (ministries, central bodies)
 *      000.00.00.Hnn / Knn              -> province (the province itself)
 *   T2 anything below a G unit         -> division (its Vụ/Cục/centres, and local branches
 *                                          such as Bảo hiểm xã hội tỉnh Tây Ninh 000.00.80.G24)
 *   T3 other level-1 letters, and lower codes of provinces other than H53 -> skipped
 *   Under H53, level 2 (000.00.YY.H53):
 *   ("UBND" below also matches "Ủy ban nhân dân"; name tests ignore case.)
 *   T4 YY 30–38, name "UBND huyện|thị xã|thành phố …"  -> district
 *   T5 YY 02–17, name "Sở …"                            -> department
 *   T6 any other YY (01 Văn phòng UBND, 18+ Thanh tra, Ban…, branches of central bodies,
 *      Tỉnh ủy, HĐND …)                                 -> department (level-2 body of the
 *      province that is not a district); a name that looks like a district or commune
 *      People's Committee is skipped as inconsistent
 *   Under H53, level 3 (000.ZZ.YY.H53):
 *   T7 YY 30–38 and name "UBND xã|phường|thị trấn …"    -> commune
 *   T8 YY 30–38, any other name except "UBND …"         -> division (Phòng, Văn phòng
 *      HĐND-UBND, Thanh tra huyện); another "UBND …" name is skipped
 *   T9 other YY                                          -> division (Chi cục, Trung tâm,
 *      Trường, Bệnh viện of a department); a commune/district name is skipped
 *   T10 level 4 under H53                                -> division
 *   P  parent = the code's parent (parentOf); a record whose parent is not imported is
 *      skipped, repeatedly, so the result always passes Directory.fromAgencies
 *   D  a code seen again is skipped; the first line wins
 */
const PROVINCE = "H53";
// "UBND" is how the file writes it; the spelled-out forms (both tone-mark placements) are
// accepted too so a corrected list still classifies.
const COMMITTEE = "(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)";
const DISTRICT_NAME = new RegExp(`^${COMMITTEE} (?:huyện|thị xã|thành phố) `, "iu");
const COMMUNE_NAME = new RegExp(`^${COMMITTEE} (?:xã|phường|thị trấn) `, "iu");
const COMMITTEE_NAME = new RegExp(`^${COMMITTEE} `, "iu");
const DEPARTMENT_NAME = /^Sở /u;

const isDistrictNumber = (n: number): boolean => n >= 30 && n <= 38;
const isDepartmentNumber = (n: number): boolean => n >= 2 && n <= 17;

type Classification = { tier: Tier } | { reason: string };

function classify(id: OrganId, name: string): Classification {
  const level = organIdLevel(id);
  const unit = id.slice(-3);
  const letter = unit.charAt(0);
  const y = Number(id.slice(7, 9));
  const localName = DISTRICT_NAME.test(name) || COMMUNE_NAME.test(name);
  if (level === 1) {
    if (letter === "G") return { tier: "central" };
    if (letter === "H" || letter === "K") return { tier: "province" };
    return { reason: `level-1 letter ${letter} has no tier rule (only G, H, K)` };
  }
  if (letter === "G") return { tier: "division" };
  if (unit !== PROVINCE) {
    return { reason: `${unit} is neither Tây Ninh (${PROVINCE}) nor a central body (G)` };
  }
  if (level === 2) {
    if (isDistrictNumber(y)) {
      return DISTRICT_NAME.test(name)
        ? { tier: "district" }
        : {
            reason: `level-2 number ${y} is a district number (30–38) but the name is not "UBND huyện/thị xã/thành phố …"`,
          };
    }
    if (isDepartmentNumber(y)) {
      return DEPARTMENT_NAME.test(name)
        ? { tier: "department" }
        : {
            reason: `level-2 number ${y} is a department number (02–17) but the name is not "Sở …"`,
          };
    }
    return localName
      ? {
          reason: `name looks like a district/commune People's Committee but level-2 number ${y} is outside 30–38`,
        }
      : { tier: "department" };
  }
  if (level === 3 && isDistrictNumber(y)) {
    if (COMMUNE_NAME.test(name)) return { tier: "commune" };
    return COMMITTEE_NAME.test(name)
      ? { reason: `"UBND …" under a district but not "UBND xã/phường/thị trấn …"` }
      : { tier: "division" };
  }
  return localName
    ? {
        reason:
          "name looks like a district/commune People's Committee but the code is not under a district",
      }
    : { tier: "division" };
}

/** Drops zero-width characters (the file has U+200B inside names) and collapses spaces. */
function cleanName(raw: string): string {
  return raw
    .replace(/[\u200B-\u200D\u2060\uFEFF]/gu, "")
    .replace(/\s+/gu, " ")
    .trim()
    .normalize("NFC");
}

/**
 * Imports the Tây Ninh 2021 agency list. Pure: takes the file's text. Never throws for bad
 * lines: each one lands in `skipped` with its line number and reason. Throws only for a
 * malformed option date (DATE_MALFORMED).
 */
export function importTayNinhTsv(text: string, opts: TayNinhImportOptions = {}): TayNinhImport {
  const validFrom = opts.validFrom ?? "2021-01-01";
  const { validTo } = opts;
  for (const [key, v] of [
    ["validFrom", validFrom],
    ["validTo", validTo],
  ] as const) {
    if (v !== undefined && !isIsoDate(v)) {
      throw new DirectoryError(
        "DATE_MALFORMED",
        `${key}: expected a date yyyy-mm-dd, got ${quote(v)}`,
        key,
      );
    }
  }
  if (validTo !== undefined && validTo <= validFrom) {
    throw new DirectoryError(
      "DATE_MALFORMED",
      `validTo ${validTo} must be after validFrom ${validFrom}`,
      "validTo",
    );
  }

  const skipped: TsvSkip[] = [];
  const firstLine = new Map<string, number>();
  const rows: { line: number; agency: Agency }[] = [];
  const lines = text.replace(/^\uFEFF/u, "").split(/\r\n|\r|\n/u);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    const fields = raw.split("\t");
    if (fields.length !== 2) {
      skipped.push({
        line,
        reason: `expected 2 tab-separated fields code<TAB>name, got ${fields.length}`,
      });
      return;
    }
    let id: OrganId;
    try {
      id = parseOrganId(fields[0] ?? "", "code");
    } catch (e) {
      if (!(e instanceof DirectoryError)) throw e;
      skipped.push({ line, reason: e.message });
      return;
    }
    const name = cleanName(fields[1] ?? "");
    if (name === "") {
      skipped.push({ line, reason: "name is empty" });
      return;
    }
    const seen = firstLine.get(id);
    if (seen !== undefined) {
      skipped.push({ line, reason: `duplicate code ${id}, first seen on line ${seen}` });
      return;
    }
    firstLine.set(id, line);
    const c = classify(id, name);
    if ("reason" in c) {
      skipped.push({ line, reason: c.reason });
      return;
    }
    const parent = parentOf(id);
    rows.push({
      line,
      agency: {
        id,
        name,
        tier: c.tier,
        ...(parent !== undefined && { parent }),
        validFrom,
        ...(validTo !== undefined && { validTo }),
      },
    });
  });

  // Rule P: drop records whose parent is missing, until none are left (skips cascade).
  let kept = rows;
  for (;;) {
    const ids = new Set<string>(kept.map((r) => r.agency.id));
    const orphans = kept.filter((r) => r.agency.parent !== undefined && !ids.has(r.agency.parent));
    if (orphans.length === 0) break;
    for (const r of orphans) {
      skipped.push({
        line: r.line,
        reason: `parent ${r.agency.parent} is not in the file (or was skipped)`,
      });
    }
    kept = kept.filter((r) => !orphans.includes(r));
  }
  skipped.sort((a, b) => a.line - b.line);
  return { agencies: kept.map((r) => r.agency), skipped };
}
