import { type Agency, isHubId, isPlausibleEmail, isTier } from "./agency.js";
import { isIsoDate } from "./dates.js";
import { quote } from "./errors.js";
import { isOrganId } from "./organ-id.js";

export interface FieldProblem {
  field: keyof Agency;
  problem: string;
}

/**
 * Checks one record on its own (shape and internal consistency). Written defensively
 * because records also come from untyped JavaScript callers.
 */
export function agencyProblem(a: Agency): FieldProblem | undefined {
  const str = (v: unknown): v is string => typeof v === "string";
  if (!str(a.id) || !isOrganId(a.id)) {
    return { field: "id", problem: "is not a canonical organ id V1V2V3.Z1Z2.Y1Y2.X1X2X3" };
  }
  if (!str(a.name) || a.name.trim() === "") return { field: "name", problem: "must not be empty" };
  if (!str(a.tier) || !isTier(a.tier)) {
    return { field: "tier", problem: `unknown tier ${quote(String(a.tier))}` };
  }
  if (a.parent !== undefined) {
    if (!str(a.parent) || !isOrganId(a.parent)) {
      return { field: "parent", problem: "is not a canonical organ id" };
    }
    if (a.parent === a.id) return { field: "parent", problem: "is the agency itself" };
  }
  if (!str(a.validFrom) || !isIsoDate(a.validFrom)) {
    return { field: "validFrom", problem: "must be a date yyyy-mm-dd" };
  }
  if (a.validTo !== undefined) {
    if (!str(a.validTo) || !isIsoDate(a.validTo)) {
      return { field: "validTo", problem: "must be a date yyyy-mm-dd" };
    }
    if (a.validTo <= a.validFrom) {
      return {
        field: "validTo",
        problem: `${a.validTo} must be after validFrom ${a.validFrom} (validTo is exclusive)`,
      };
    }
  }
  if (a.successor !== undefined) {
    if (!str(a.successor) || !isOrganId(a.successor)) {
      return { field: "successor", problem: "is not a canonical organ id" };
    }
    if (a.successor === a.id) return { field: "successor", problem: "is the agency itself" };
    if (a.validTo === undefined) {
      return { field: "successor", problem: "needs validTo: only a closed agency has a successor" };
    }
  }
  if (a.hub !== undefined && !isHubId(a.hub)) {
    return { field: "hub", problem: "is not a hub id (1-64 of A-Z a-z 0-9 . _ -)" };
  }
  if (a.email !== undefined && (!str(a.email) || !isPlausibleEmail(a.email))) {
    return { field: "email", problem: "is not an e-mail address" };
  }
  return undefined;
}
