import type { At, Reader } from "./reader.js";
import { textOf } from "./reader.js";
import type { Organization, ResponseFor, StaffInfo, TraceHeader } from "./types.js";

/** Drops undefined properties so values compare and serialise cleanly. */
export function compact<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}

export function readOrganization(r: Reader, at: At): Organization | undefined {
  const organId = r.organId(at);
  const org = compact({
    organizationInCharge: r.text(at, "OrganizationInCharge"),
    organName: r.text(at, "OrganName"),
    organAdd: r.text(at, "OrganAdd"),
    email: r.text(at, "Email"),
    telephone: r.text(at, "Telephone"),
    fax: r.text(at, "Fax"),
    website: r.text(at, "Website"),
  });
  return organId === undefined ? undefined : { organId, ...org };
}

export function readResponseFor(r: Reader, at: At): ResponseFor | undefined {
  const organId = r.organId(at);
  const code = r.text(at, "Code");
  const promulgationDate = r.date(at, "PromulgationDate");
  const documentId = r.text(at, "DocumentId", { required: true });
  if (organId === undefined || documentId === undefined) return undefined;
  return compact({ organId, code, promulgationDate, documentId });
}

/** Some senders write an empty ResponseFor block to mean "answers nothing". */
export function isBlank(at: At): boolean {
  return textOf(at.el) === undefined;
}

export function readStaffInfo(r: Reader, at: At | undefined): StaffInfo | undefined {
  if (!at) return undefined;
  return compact({
    department: r.text(at, "Department"),
    staff: r.text(at, "Staff"),
    mobile: r.text(at, "Mobile"),
    email: r.text(at, "Email"),
  });
}

export function readTraces(r: Reader, list: At | undefined): TraceHeader[] {
  if (!list) return [];
  const traces: TraceHeader[] = [];
  for (const at of r.all(list, "TraceHeader")) {
    // Kept as written (see TraceHeader): only an empty id is an issue.
    const organId = r.text(at, "OrganId", { required: true });
    const timestamp = r.timestamp(at, "Timestamp", true);
    if (organId !== undefined && timestamp !== undefined) traces.push({ organId, timestamp });
  }
  return traces;
}
