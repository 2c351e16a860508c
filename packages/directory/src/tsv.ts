import type { Agency } from "./agency.js";
import { DirectoryError } from "./errors.js";
import { AGENCY_KEYS, DIRECTORY_FORMAT, parseDirectoryJson } from "./json.js";

/** True when `text` starts with a directory TSV header (`id<TAB>name<TAB>…`). */
export function isDirectoryTsv(text: string): boolean {
  return /^\uFEFF?id\tname\t/.test(text);
}

function fail(line: number, problem: string): DirectoryError {
  return new DirectoryError("DIRECTORY_TSV_INVALID", `directory TSV line ${line}: ${problem}`);
}

/**
 * A directory as TSV: a header line naming columns (`id name tier` required, then any of
 * `parent validFrom validTo successor email`), one period per line, empty cells = absent.
 * Each line is checked like a JSON record; errors name the physical line. Rules across records
 * (parents, successors, overlaps) are left to `Directory.fromAgencies`.
 */
export function parseDirectoryTsv(text: string): Agency[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const header = (lines[0] ?? "").split("\t").map((h) => h.trim());
  for (const h of header) if (!AGENCY_KEYS.has(h)) throw fail(1, `unknown column "${h}"`);
  for (const h of ["id", "name", "tier", "validFrom"]) {
    if (!header.includes(h)) throw fail(1, `the header lacks the column "${h}"`);
  }
  const out: Agency[] = [];
  lines.slice(1).forEach((line, i) => {
    const n = i + 2;
    if (line.trim() === "") return;
    const cells = line.split("\t");
    if (cells.length !== header.length) {
      throw fail(n, `${cells.length} cells, the header has ${header.length}`);
    }
    const record: Record<string, string> = {};
    header.forEach((h, j) => {
      const v = cells[j]?.trim() ?? "";
      if (v !== "") record[h] = v;
    });
    try {
      const [agency] = parseDirectoryJson({ format: DIRECTORY_FORMAT, agencies: [record] });
      if (agency) out.push(agency);
    } catch (err) {
      if (err instanceof DirectoryError)
        throw fail(n, err.message.replace("agencies[0]", "").trim());
      throw err;
    }
  });
  if (out.length === 0) throw fail(1, "no agencies below the header");
  return out;
}
