import { type Agency, compareAgencies, copyAgency } from "./agency.js";
import { Directory } from "./directory.js";
import { DirectoryError } from "./errors.js";
import type { OrganId } from "./organ-id.js";

/**
 * One edit of a directory (the hub's `directory.change`, with defaults already filled in):
 * add a period, replace the period starting on `agency.validFrom`, close an id's latest
 * period, or replace the whole set.
 */
export type DirectoryEdit =
  | { op: "add"; agency: Agency }
  | { op: "update"; agency: Agency }
  | { op: "close"; id: OrganId; validTo: string; successor?: OrganId }
  | { op: "import"; agencies: readonly Agency[] };

/** The periods after an edit, validated, and which ids it touched (each list in tree order). */
export interface EditResult {
  agencies: Agency[];
  /** ids that had no period before */
  added: OrganId[];
  /** ids whose periods differ */
  changed: OrganId[];
  /** ids that have no period any more */
  removed: OrganId[];
}

function invalid(message: string): DirectoryError {
  return new DirectoryError("DIRECTORY_CHANGE_INVALID", message);
}

const samePeriod = (a: Agency, b: Agency) => a.id === b.id && a.validFrom === b.validFrom;

function withEdit(current: readonly Agency[], edit: DirectoryEdit): Agency[] {
  switch (edit.op) {
    case "import":
      return edit.agencies.map(copyAgency);
    case "add": {
      const twin = current.find((a) => samePeriod(a, edit.agency));
      if (twin && periodKey(twin) === periodKey(edit.agency)) return [...current];
      if (twin) {
        throw invalid(
          `${edit.agency.id} already has a period from ${edit.agency.validFrom}; change it with update`,
        );
      }
      return [...current, copyAgency(edit.agency)];
    }
    case "update": {
      if (!current.some((a) => samePeriod(a, edit.agency))) {
        throw invalid(`${edit.agency.id} has no period from ${edit.agency.validFrom} to update`);
      }
      return current.map((a) => (samePeriod(a, edit.agency) ? copyAgency(edit.agency) : a));
    }
    case "close": {
      const latest = current
        .filter((a) => a.id === edit.id)
        .sort(compareAgencies)
        .at(-1);
      if (!latest) throw invalid(`${edit.id} is not in the directory`);
      const closed = copyAgency({
        ...latest,
        validTo: edit.validTo,
        successor: edit.successor,
      });
      return current.map((a) => (a === latest ? closed : a));
    }
  }
}

function periodKey(a: Agency): string {
  return JSON.stringify(copyAgency(a));
}

function periodsById(agencies: readonly Agency[]): Map<OrganId, string> {
  const out = new Map<OrganId, string[]>();
  for (const a of [...agencies].sort(compareAgencies)) {
    const list = out.get(a.id) ?? [];
    list.push(periodKey(a));
    out.set(a.id, list);
  }
  return new Map([...out].map(([id, keys]) => [id, keys.join("\n")]));
}

/**
 * Applies `edit` to `current` and validates the result as a whole (Directory.fromAgencies:
 * parents and successors exist, no overlap, no cycle), so a change never leaves the hub with a
 * directory it could not load. An edit already in force (the same add retried) changes nothing.
 * Throws DIRECTORY_CHANGE_INVALID or DIRECTORY_INVALID.
 */
export function applyEdit(current: readonly Agency[], edit: DirectoryEdit): EditResult {
  const next = withEdit(current, edit);
  const agencies = Directory.fromAgencies(next).all();
  const before = periodsById(current);
  const after = periodsById(agencies);
  const added: OrganId[] = [];
  const changed: OrganId[] = [];
  for (const [id, periods] of after) {
    const old = before.get(id);
    if (old === undefined) added.push(id);
    else if (old !== periods) changed.push(id);
  }
  const removed = [...before.keys()].filter((id) => !after.has(id));
  return { agencies, added, changed, removed };
}
