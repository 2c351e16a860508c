import {
  type Agency,
  compareOrganIds,
  isOrganId,
  level1Kind,
  type OrganId,
  organIdLevel,
  type Tier,
  UPSTREAM_HUB,
} from "@edoc/directory";

/**
 * Directory sync from the upstream (đồng bộ danh mục): the upstream's list (getAgenciesListQD20)
 * read as agencies, merged into this hub's directory. This hub's own entries win: an id it has
 * a period for without `hub: "upstream"` is never touched. Learned agencies get
 * `hub: "upstream"` (their letters go up the link) and keep the upstream's validity dates and
 * successor codes (the 2025 reform). Nothing learned is ever deleted: a code the upstream
 * dropped may still have letters in flight.
 */

/** One row of QĐ 20/2020's list as the VDXP door answers it (the fields the sync reads). */
export interface Qd20Row {
  code: string;
  code102?: string;
  name: string;
  pid: string;
  mail?: string;
  oldCode: string;
  status: number;
  deleted: boolean;
  modifyDate: string;
}

/** A `directory.change` the sync applies (one receipt each). */
export type SyncEdit = { op: "add"; agency: Agency } | { op: "update"; agency: Agency };

export interface SyncPlan {
  edits: SyncEdit[];
  /** ids the upstream lists that this hub serves or assigns itself (its entries win) */
  keptLocal: OrganId[];
  /** learned ids already up to date */
  unchanged: number;
  /** rows that are not an OrganId, or not usable (no day, no name) */
  skipped: { code: string; why: string }[];
}

const DAY = /^\d{4}-\d{2}-\d{2}/;

/** The list has no tier: the code's level and level-1 letter stand in for it. */
function tierOf(id: OrganId): Tier {
  const level = organIdLevel(id);
  if (level === 1) return level1Kind(id) === "central" ? "central" : "province";
  if (level === 2) return level1Kind(id) === "central" ? "division" : "department";
  return level === 3 ? "district" : "commune";
}

/**
 * The upstream's rows as agency periods. A closed row (status 0 / deleted) ends on its
 * `modifyDate`; the code that lists it in `oldCode` is its successor. The start of an
 * active period is its `modifyDate` (the listener writes validFrom there).
 */
export function agenciesFromQd20(rows: readonly Qd20Row[]): {
  agencies: Agency[];
  skipped: SyncPlan["skipped"];
} {
  const skipped: SyncPlan["skipped"] = [];
  const successorOf = new Map<string, OrganId>();
  for (const r of rows) {
    const code = r.code102 || r.code;
    if (!isOrganId(code)) continue;
    for (const old of r.oldCode.split(",").map((s) => s.trim())) {
      if (old) successorOf.set(old, code);
    }
  }
  const agencies: Agency[] = [];
  for (const r of rows) {
    const code = r.code102 || r.code;
    if (!isOrganId(code)) {
      skipped.push({ code, why: "not an OrganId" });
      continue;
    }
    const day = DAY.exec(r.modifyDate)?.[0];
    if (!day || !r.name.trim()) {
      skipped.push({ code, why: "no modifyDate day or no name" });
      continue;
    }
    const closed = r.status === 0 || r.deleted;
    const successor = successorOf.get(code);
    agencies.push({
      id: code,
      name: r.name.trim(),
      tier: tierOf(code),
      ...(isOrganId(r.pid) && r.pid !== code ? { parent: r.pid } : {}),
      // A closed row's start is not in the list: the day before its end keeps it a valid period.
      validFrom: closed ? dayBefore(day) : day,
      ...(closed ? { validTo: day } : {}),
      ...(closed && successor ? { successor } : {}),
      ...(r.mail ? { email: r.mail } : {}),
    });
  }
  return { agencies, skipped };
}

function dayBefore(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

const isLearned = (a: Agency) => a.hub === UPSTREAM_HUB;

function same(a: Agency, b: Agency): boolean {
  const keys: (keyof Agency)[] = [
    "name",
    "tier",
    "parent",
    "validFrom",
    "validTo",
    "successor",
    "email",
    "hub",
  ];
  return keys.every((k) => a[k] === b[k]);
}

/**
 * The edits that bring the learned part of `local` up to `upstream`: `add` for a new id (or a
 * new period of a learned one), `update` for a learned period that changed. Parents come
 * before their children and successors before the agencies they take over, so each change is
 * valid on its own; a parent or successor nobody knows is dropped rather than invented.
 */
export function mergeUpstreamAgencies(
  local: readonly Agency[],
  upstream: readonly Agency[],
): SyncEdit[] {
  return syncPlan(local, upstream).edits;
}

/** The same, with what was left alone: `edoc directory sync --dry-run` prints it. */
export function syncPlan(
  local: readonly Agency[],
  upstream: readonly Agency[],
  skipped: SyncPlan["skipped"] = [],
): SyncPlan {
  const byId = new Map<string, Agency[]>();
  for (const a of local) byId.set(a.id, [...(byId.get(a.id) ?? []), a]);
  const known = new Set<string>([...local.map((a) => a.id), ...upstream.map((a) => a.id)]);
  const keptLocal = new Set<OrganId>();
  const edits: SyncEdit[] = [];
  let unchanged = 0;
  for (const u of upstream) {
    const periods = byId.get(u.id) ?? [];
    if (periods.some((p) => !isLearned(p))) {
      keptLocal.add(u.id);
      continue;
    }
    const agency: Agency = {
      ...u,
      hub: UPSTREAM_HUB,
      ...(u.parent && !known.has(u.parent) ? { parent: undefined } : {}),
      ...(u.successor && !known.has(u.successor) ? { successor: undefined } : {}),
    };
    if (agency.parent === undefined) delete agency.parent;
    if (agency.successor === undefined) delete agency.successor;
    const twin = periods.find((p) => p.validFrom === agency.validFrom);
    if (twin && same(twin, agency)) unchanged++;
    else if (twin) edits.push({ op: "update", agency });
    else if (periods.length > 0 && agency.validTo !== undefined) {
      // Closed upstream: end the learned open period there rather than add a second one.
      const open = periods.find((p) => p.validTo === undefined);
      if (open) edits.push({ op: "update", agency: { ...agency, validFrom: open.validFrom } });
      else unchanged++;
    } else edits.push({ op: "add", agency });
  }
  return {
    edits: ordered(edits),
    keptLocal: [...keptLocal].sort(compareOrganIds),
    unchanged,
    skipped,
  };
}

/** Open periods first (successors), then closed ones; each group in tree order (parents). */
function ordered(edits: SyncEdit[]): SyncEdit[] {
  const rank = (e: SyncEdit) => (e.agency.validTo === undefined ? 0 : 1);
  return [...edits].sort((a, b) => rank(a) - rank(b) || compareOrganIds(a.agency.id, b.agency.id));
}
