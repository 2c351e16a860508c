import { describe, expect, it } from "vitest";
import {
  edxmlDate,
  edxmlTimestamp,
  parseEdxmlTime,
  startOfVietnamDay,
  vietnamDay,
  vietnamMonth,
  vietnamParts,
} from "../src/index.js";

describe("Vietnam time", () => {
  it("writes edXML dates and times at UTC+07:00 whatever the server's zone", () => {
    const at = new Date("2025-06-30T17:30:05Z"); // 00:30:05 on 1 July in Hà Nội
    expect(edxmlTimestamp(at)).toBe("2025/07/01 00:30:05");
    expect(edxmlDate(at)).toBe("2025/07/01");
    expect(vietnamDay(at)).toBe("2025-07-01");
    expect(vietnamMonth(at)).toBe("2025-07");
    expect(vietnamParts(at).weekday).toBe(2); // Tuesday
  });

  it("reads zone-less edXML times back as Vietnam time (round trip)", () => {
    const at = new Date("2026-12-04T09:00:22Z");
    expect(parseEdxmlTime(edxmlTimestamp(at))?.toISOString()).toBe("2026-12-04T09:00:22.000Z");
    expect(parseEdxmlTime("2025/07/01")?.toISOString()).toBe("2025-06-30T17:00:00.000Z");
  });

  it("refuses impossible dates and other shapes", () => {
    expect(parseEdxmlTime("2014/02/30 10:00:00")).toBeUndefined();
    expect(parseEdxmlTime("2014-02-03")).toBeUndefined();
    expect(parseEdxmlTime("2014/02/03 24:00:00")).toBeUndefined();
  });

  it("a Vietnam day starts at 17:00 UTC the day before", () => {
    expect(startOfVietnamDay("2025-07-01").toISOString()).toBe("2025-06-30T17:00:00.000Z");
    expect(() => startOfVietnamDay("2025/07/01")).toThrow(RangeError);
  });
});
