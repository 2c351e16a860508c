import { type Agency, compareAgencies, copyAgency, isTier, TIERS } from "./agency.js";
import { isIsoDate } from "./dates.js";
import { DirectoryError, quote } from "./errors.js";
import { type OrganId, parseOrganId } from "./organ-id.js";
import { agencyProblem } from "./validate.js";

export const DIRECTORY_FORMAT = "edoc-directory/1";

/** Our own JSON format, what the hub loads at start. */
export interface DirectoryJson {
  format: "edoc-directory/1";
  agencies: Agency[];
}

const TOP_KEYS = new Set(["format", "agencies"]);
/** The properties of one record, in the order files write them (JSON keys, TSV columns). */
export const AGENCY_KEYS: ReadonlySet<string> = new Set([
  "id",
  "name",
  "tier",
  "parent",
  "validFrom",
  "validTo",
  "successor",
  "email",
  "hub",
]);

function fail(path: string, problem: string): DirectoryError {
  return new DirectoryError("DIRECTORY_JSON_INVALID", `directory JSON ${path}: ${problem}`, path);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? `string ${quote(v)}` : typeof v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) {
      throw fail(
        `${path}${path ? "." : ""}${key}`,
        `unknown property (allowed: ${[...allowed].join(", ")})`,
      );
    }
  }
}

function optionalString(
  obj: Record<string, unknown>,
  key: string,
  path: string,
): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") {
    throw fail(
      `${path}.${key}`,
      `expected a string, got ${describe(v)} (omit the property when absent)`,
    );
  }
  return v;
}

function requiredString(obj: Record<string, unknown>, key: string, path: string): string {
  const v = optionalString(obj, key, path);
  if (v === undefined) throw fail(`${path}.${key}`, "is required");
  return v;
}

function optionalId(obj: Record<string, unknown>, key: string, path: string): OrganId | undefined {
  const v = optionalString(obj, key, path);
  return v === undefined ? undefined : parseOrganId(v, `${path}.${key}`);
}

function date(v: string, path: string): string {
  if (!isIsoDate(v)) throw fail(path, `expected a date yyyy-mm-dd, got ${quote(v)}`);
  return v;
}

function parseAgency(v: unknown, path: string): Agency {
  if (!isRecord(v)) throw fail(path, `expected an object, got ${describe(v)}`);
  checkKeys(v, AGENCY_KEYS, path);
  const tier = requiredString(v, "tier", path);
  if (!isTier(tier))
    throw fail(`${path}.tier`, `expected one of ${TIERS.join(", ")}, got ${quote(tier)}`);
  const validTo = optionalString(v, "validTo", path);
  const agency = copyAgency({
    id: parseOrganId(requiredString(v, "id", path), `${path}.id`),
    name: requiredString(v, "name", path),
    tier,
    parent: optionalId(v, "parent", path),
    validFrom: date(requiredString(v, "validFrom", path), `${path}.validFrom`),
    validTo: validTo === undefined ? undefined : date(validTo, `${path}.validTo`),
    successor: optionalId(v, "successor", path),
    email: optionalString(v, "email", path),
    hub: optionalString(v, "hub", path),
  });
  const p = agencyProblem(agency);
  if (p) throw fail(`${path}.${p.field}`, p.problem);
  return agency;
}

/**
 * Strictly validates a parsed `edoc-directory/1` document: unknown properties, nulls and
 * wrong types are errors naming the JSON path (`agencies[3].parent`). Malformed ids raise
 * ORGAN_ID_MALFORMED, everything else DIRECTORY_JSON_INVALID. Cross-record rules (parents,
 * successors, overlaps) are checked by Directory.fromAgencies.
 */
export function parseDirectoryJson(input: unknown): Agency[] {
  if (!isRecord(input)) throw fail("(root)", `expected an object, got ${describe(input)}`);
  checkKeys(input, TOP_KEYS, "");
  if (input.format !== DIRECTORY_FORMAT) {
    throw fail(
      "format",
      `expected ${quote(DIRECTORY_FORMAT)}, got ${input.format === undefined ? "nothing" : describe(input.format)}`,
    );
  }
  const list = input.agencies;
  if (!Array.isArray(list)) throw fail("agencies", `expected an array, got ${describe(list)}`);
  return list.map((v: unknown, i) => parseAgency(v, `agencies[${i}]`));
}

/** Canonical document: records in tree order then by validFrom, keys in a fixed order. */
export function toDirectoryJson(agencies: readonly Agency[]): DirectoryJson {
  return {
    format: DIRECTORY_FORMAT,
    agencies: [...agencies].sort(compareAgencies).map(copyAgency),
  };
}
