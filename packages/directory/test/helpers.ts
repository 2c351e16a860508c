import {
  type Agency,
  DirectoryError,
  type OrganId,
  parseOrganId,
  type Tier,
} from "@edoc/directory";

export function errorOf(fn: () => unknown): DirectoryError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DirectoryError) return e;
    throw e;
  }
  throw new Error("expected a DirectoryError");
}

export const oid = (s: string): OrganId => parseOrganId(s);

/** A record with sensible defaults; ids given as plain strings. */
export function agency(
  id: string,
  tier: Tier,
  extra: {
    parent?: string;
    validFrom?: string;
    validTo?: string;
    successor?: string;
    name?: string;
  } = {},
): Agency {
  const a: Agency = {
    id: oid(id),
    name: extra.name ?? `Cơ quan ${id}`,
    tier,
    validFrom: extra.validFrom ?? "2016-01-01",
  };
  if (extra.parent !== undefined) a.parent = oid(extra.parent);
  if (extra.validTo !== undefined) a.validTo = extra.validTo;
  if (extra.successor !== undefined) a.successor = oid(extra.successor);
  return a;
}

export const day = (iso: string): Date => new Date(`${iso}T00:00:00Z`);
