import { DirectoryError, quote } from "./errors.js";

/** Mã định danh: V1V2V3.Z1Z2.Y1Y2.X1X2X3, e.g. 000.21.31.H53 */
export type OrganId = string & { readonly __brand: "OrganId" };

/** What the level-1 letter says: G ministries/central bodies, H UBND tỉnh, K HĐND tỉnh. */
export type Level1Kind = "central" | "provincial-committee" | "provincial-council" | "other";

/** 1 = level-1 unit itself (000.00.00.X), 4 = a level-4 unit (V non-zero). */
export type OrganIdLevel = 1 | 2 | 3 | 4;

const SHAPE = "V1V2V3.Z1Z2.Y1Y2.X1X2X3";
const CANONICAL = /^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$/;
const NUMERIC_GROUPS = [
  { name: "V1V2V3", width: 3 },
  { name: "Z1Z2", width: 2 },
  { name: "Y1Y2", width: 2 },
] as const;

/** Why `s` (already trimmed) is not an organ id, or undefined when it is one. */
function problemWith(s: string): string | undefined {
  if (s === "") return `empty, expected ${SHAPE}`;
  if (/\s/.test(s)) return `whitespace inside, expected ${SHAPE}`;
  const groups = s.split(".");
  if (groups.length !== 4) {
    return `expected 4 dot-separated groups ${SHAPE}, got ${groups.length}`;
  }
  for (const [i, { name, width }] of NUMERIC_GROUPS.entries()) {
    const g = groups[i] ?? "";
    if (g.length !== width || !/^[0-9]+$/.test(g)) {
      return `group ${name} must be ${width} digits, got ${quote(g)}`;
    }
  }
  const x = groups[3] ?? "";
  if (/^[a-z][0-9]{2}$/.test(x)) {
    return `level-1 unit X1X2X3 must start with an upper-case letter, got ${quote(x)}`;
  }
  if (!/^[A-Z][0-9]{2}$/.test(x)) {
    return `level-1 unit X1X2X3 must be a letter and 2 digits, got ${quote(x)}`;
  }
  return undefined;
}

/**
 * Parse an organ id from outside input. Surrounding whitespace is trimmed; anything else
 * non-canonical (lower-case letter, wrong group width, inner spaces) is rejected rather
 * than repaired, because ids are echoed back to senders and must match theirs exactly.
 */
export function parseOrganId(raw: string, field?: string): OrganId {
  const where = field ?? "organ id";
  if (typeof raw !== "string") {
    throw new DirectoryError(
      "ORGAN_ID_MALFORMED",
      `${where}: expected a string ${SHAPE}, got ${raw === null ? "null" : typeof raw}`,
      field,
    );
  }
  const s = raw.trim();
  const problem = problemWith(s);
  if (problem !== undefined) {
    throw new DirectoryError("ORGAN_ID_MALFORMED", `${where} ${quote(s)}: ${problem}`, field);
  }
  return s as OrganId;
}

/** True only for the exact canonical form (no trimming), so the type guard is honest. */
export function isOrganId(raw: string): raw is OrganId {
  return typeof raw === "string" && CANONICAL.test(raw);
}

function groupsOf(id: OrganId): [string, string, string, string] {
  const [v = "", z = "", y = "", x = ""] = id.split(".");
  return [v, z, y, x];
}

/** The code one level up: the leftmost non-zero group set to zeros; undefined for a root. */
export function parentOf(id: OrganId): OrganId | undefined {
  const groups = groupsOf(id);
  for (let i = 0; i < 3; i++) {
    const g = groups[i] ?? "";
    if (/[1-9]/.test(g)) {
      groups[i] = "0".repeat(g.length);
      return groups.join(".") as OrganId;
    }
  }
  return undefined;
}

/** Level of the code: the position of its leftmost non-zero group (1 for 000.00.00.X). */
export function organIdLevel(id: OrganId): OrganIdLevel {
  const [v, z, y] = groupsOf(id);
  if (/[1-9]/.test(v)) return 4;
  if (/[1-9]/.test(z)) return 3;
  if (/[1-9]/.test(y)) return 2;
  return 1;
}

/** The level-1 unit of any code, e.g. 000.21.31.H53 -> 000.00.00.H53. */
export function level1Of(id: OrganId): OrganId {
  return `000.00.00.${groupsOf(id)[3]}` as OrganId;
}

export function level1Kind(id: OrganId): Level1Kind {
  switch (groupsOf(id)[3].charAt(0)) {
    case "G":
      return "central";
    case "H":
      return "provincial-committee";
    case "K":
      return "provincial-council";
    default:
      return "other";
  }
}

/**
 * Tree order: by level-1 unit, then level 2, 3, 4, so a unit sorts right before
 * everything under it (000.00.00.H53 < 000.00.02.H53 < 000.01.02.H53 < 000.00.03.H53).
 */
export function compareOrganIds(a: OrganId, b: OrganId): number {
  const [av, az, ay, ax] = groupsOf(a);
  const [bv, bz, by, bx] = groupsOf(b);
  const ka = `${ax}.${ay}.${az}.${av}`;
  const kb = `${bx}.${by}.${bz}.${bv}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
