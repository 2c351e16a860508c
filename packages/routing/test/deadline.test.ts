import { describe, expect, it } from "vitest";
import { isOverdue, receiptDeadline } from "../src/index.js";

// Thursday 4 December 2026 in Vietnam.
const vn = (local: string): Date => new Date(`${local}+07:00`);

describe("receipt deadline (same working day; urgent at once)", () => {
  it("a normal letter arriving in office hours is due by the end of that day", () => {
    expect(receiptDeadline(vn("2026-12-04T09:15:00"), 0)).toEqual(vn("2026-12-05T00:00:00"));
  });

  it("after office hours it is due by the end of the next working day", () => {
    expect(receiptDeadline(vn("2026-12-03T18:00:00"), 0)).toEqual(vn("2026-12-05T00:00:00"));
    // Friday evening → Monday.
    expect(receiptDeadline(vn("2026-12-04T17:30:00"), 0)).toEqual(vn("2026-12-08T00:00:00"));
  });

  it("on a weekend it is due by the end of Monday", () => {
    expect(receiptDeadline(vn("2026-12-05T10:00:00"), 0)).toEqual(vn("2026-12-08T00:00:00"));
    expect(receiptDeadline(vn("2026-12-06T23:59:00"), 0)).toEqual(vn("2026-12-08T00:00:00"));
  });

  it("urgent letters are due two hours after arrival, any day", () => {
    expect(receiptDeadline(vn("2026-12-06T23:00:00"), 1)).toEqual(vn("2026-12-07T01:00:00"));
    expect(
      receiptDeadline(vn("2026-12-04T10:00:00"), 3, { urgentMinutes: 30, officeEndHour: 17 }),
    ).toEqual(vn("2026-12-04T10:30:00"));
  });

  it("overdue compares the acknowledgement, or now when there is none", () => {
    const at = vn("2026-12-04T09:00:00");
    expect(isOverdue(at, 0, vn("2026-12-04T16:00:00"), vn("2026-12-10T00:00:00"))).toBe(false);
    expect(isOverdue(at, 0, undefined, vn("2026-12-05T00:00:01"))).toBe(true);
    expect(isOverdue(at, 1, vn("2026-12-04T11:00:01"), at)).toBe(true);
  });
});
