import { type Agency, compareAgencies, copyAgency } from "./agency.js";
import { lookupDay } from "./dates.js";
import { DirectoryError } from "./errors.js";
import { parseDirectoryJson } from "./json.js";
import type { OrganId } from "./organ-id.js";
import { agencyProblem } from "./validate.js";

export type Resolution =
  /** via = successor codes followed, [] when addressed directly */
  | { status: "active"; agency: Agency; via: OrganId[] }
  /** closed, no active successor; `agency` is the record of the id that was asked for */
  | { status: "inactive"; agency: Agency }
  /** no record of this id, or its first record starts after the lookup date */
  | { status: "unknown"; id: OrganId };

function isValidOn(a: Agency, day: string): boolean {
  return a.validFrom <= day && (a.validTo === undefined || day < a.validTo);
}

function pushTo<T>(m: Map<string, T[]>, key: string, value: T): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}

function period(a: Agency): string {
  return `${a.validFrom}..${a.validTo ?? "open"}`;
}

interface Indexed {
  agency: Agency;
  index: number;
}

function invalid(at: Indexed, field: string | undefined, problem: string): DirectoryError {
  const path = `agencies[${at.index}]${field === undefined ? "" : `.${field}`}`;
  const who = `${at.agency.id} (${at.agency.name}, ${period(at.agency)})`;
  return new DirectoryError("DIRECTORY_INVALID", `${path} ${who}: ${problem}`, path);
}

/** Depth-first search for a cycle in id -> ids edges; returns the cycle as a path. */
function findCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = onPath.indexOf(node);
    if (at >= 0) return [...onPath.slice(at), node];
    if (done.has(node)) return undefined;
    onPath.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    onPath.pop();
    done.add(node);
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The agency directory (danh bạ cơ quan): immutable, validated once, queried by date.
 * Dates are whole Vietnam calendar days (UTC+07:00): validFrom inclusive, validTo exclusive.
 */
export class Directory {
  /** Records per id, sorted by validFrom. */
  readonly #byId: ReadonlyMap<string, readonly Agency[]>;
  /** Records per parent id, in tree order. */
  readonly #byParent: ReadonlyMap<string, readonly Agency[]>;
  /** Every record in tree order, then by validFrom. */
  readonly #all: readonly Agency[];

  /** Number of agency records (validity periods), not of distinct ids. */
  readonly size: number;

  private constructor(all: readonly Agency[]) {
    this.#all = all;
    this.size = all.length;
    const byId = new Map<string, Agency[]>();
    const byParent = new Map<string, Agency[]>();
    for (const a of all) {
      pushTo(byId, a.id, a);
      if (a.parent !== undefined) pushTo(byParent, a.parent, a);
    }
    this.#byId = byId;
    this.#byParent = byParent;
  }

  /**
   * Validates and freezes the records. Rejected with DIRECTORY_INVALID naming the record:
   * a bad field, overlapping periods of one id, a parent or successor that is not in the
   * directory, a parent cycle or a successor cycle.
   */
  static fromAgencies(agencies: readonly Agency[]): Directory {
    const indexed: Indexed[] = agencies.map((a, index) => ({ agency: a, index }));
    for (const at of indexed) {
      const p = agencyProblem(at.agency);
      if (p) throw invalid(at, p.field, p.problem);
    }

    const periods = new Map<string, Indexed[]>();
    for (const at of indexed) pushTo(periods, at.agency.id, at);
    for (const list of periods.values()) {
      list.sort((x, y) => compareAgencies(x.agency, y.agency));
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]!;
        const cur = list[i]!;
        const prevTo = prev.agency.validTo;
        if (prevTo === undefined || prevTo > cur.agency.validFrom) {
          throw invalid(
            cur,
            "validFrom",
            `overlaps agencies[${prev.index}] (${period(prev.agency)})`,
          );
        }
      }
    }

    const parentEdges = new Map<string, Set<string>>();
    const successorEdges = new Map<string, Set<string>>();
    const addEdge = (m: Map<string, Set<string>>, from: string, to: string): void => {
      m.set(from, (m.get(from) ?? new Set()).add(to));
    };
    for (const at of indexed) {
      const { id, parent, successor } = at.agency;
      if (parent !== undefined) {
        if (!periods.has(parent)) throw invalid(at, "parent", `${parent} is not in the directory`);
        addEdge(parentEdges, id, parent);
      }
      if (successor !== undefined) {
        if (!periods.has(successor)) {
          throw invalid(at, "successor", `${successor} is not in the directory`);
        }
        addEdge(successorEdges, id, successor);
      }
    }
    for (const [edges, field] of [
      [successorEdges, "successor"],
      [parentEdges, "parent"],
    ] as const) {
      const cycle = findCycle(edges);
      if (cycle) {
        const records = periods.get(cycle[0] ?? "") ?? [];
        const first = records.find((p) => p.agency[field] === cycle[1]) ?? records[0];
        if (first) throw invalid(first, field, `${field} cycle ${cycle.join(" -> ")}`);
      }
    }

    const frozen = [...agencies].sort(compareAgencies).map((a) => Object.freeze(copyAgency(a)));
    return new Directory(frozen);
  }

  /** Parses an `edoc-directory/1` document (already JSON.parse'd) and validates it. */
  static fromJson(input: unknown): Directory {
    return Directory.fromAgencies(parseDirectoryJson(input));
  }

  /** The record of `id` valid at `at` (default now). */
  get(id: OrganId, at: Date = new Date()): Agency | undefined {
    const day = lookupDay(at);
    return this.#byId.get(id)?.find((a) => isValidOn(a, day));
  }

  /**
   * Where a letter addressed to `id` should go at `at`: the agency itself when active,
   * else its successor chain (bounded by the number of ids and cycle-safe even though
   * cycles are rejected at construction).
   */
  resolve(id: OrganId, at: Date = new Date()): Resolution {
    const day = lookupDay(at);
    const via: OrganId[] = [];
    const seen = new Set<string>([id]);
    let asked: Agency | undefined;
    let current = id;
    for (;;) {
      const records = this.#byId.get(current) ?? [];
      const active = records.find((a) => isValidOn(a, day));
      if (active) return { status: "active", agency: active, via };
      // The most recent period that ended on or before `day`.
      const closed = records.filter((a) => a.validTo !== undefined && a.validTo <= day).at(-1);
      if (asked === undefined) {
        if (closed === undefined) return { status: "unknown", id };
        asked = closed;
      }
      const next = closed?.successor;
      if (next === undefined || seen.has(next)) return { status: "inactive", agency: asked };
      seen.add(next);
      via.push(next);
      current = next;
    }
  }

  /** Records valid at `at` whose parent is `id`, in tree order. */
  children(id: OrganId, at: Date = new Date()): Agency[] {
    const day = lookupDay(at);
    return (this.#byParent.get(id) ?? []).filter((a) => isValidOn(a, day));
  }

  /** Every record valid at `at`, in tree order. */
  list(at: Date = new Date()): Agency[] {
    const day = lookupDay(at);
    return this.#all.filter((a) => isValidOn(a, day));
  }

  /** Every record of every period, in tree order then by validFrom (e.g. to save as JSON). */
  all(): Agency[] {
    return [...this.#all];
  }

  /** All periods of one id, oldest first. */
  history(id: OrganId): Agency[] {
    return [...(this.#byId.get(id) ?? [])];
  }
}
