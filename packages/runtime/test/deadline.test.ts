import { DEFAULT_DEADLINE_POLICY } from "@edoc/routing";
import { describe, expect, it } from "vitest";
import { ConfigError, loadDeadlinePolicy } from "../src/index.js";

describe("loadDeadlinePolicy", () => {
  it("is the law's reading by default, with the urgent window from EDOC_URGENT_RECEIPT_MINUTES", () => {
    expect(loadDeadlinePolicy({})).toEqual(DEFAULT_DEADLINE_POLICY);
    expect(loadDeadlinePolicy({ EDOC_URGENT_RECEIPT_MINUTES: "0" })).toEqual({
      ...DEFAULT_DEADLINE_POLICY,
      urgentMinutes: 0,
    });
  });

  it("refuses garbage and negative minutes at startup", () => {
    expect(() => loadDeadlinePolicy({ EDOC_URGENT_RECEIPT_MINUTES: "soon" })).toThrow(ConfigError);
    expect(() => loadDeadlinePolicy({ EDOC_URGENT_RECEIPT_MINUTES: "-5" })).toThrow(ConfigError);
  });
});
