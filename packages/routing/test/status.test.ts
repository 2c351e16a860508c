import type { BusinessDocType, StatusCode } from "@edoc/edxml";
import { describe, expect, it } from "vitest";
import {
  decideStatus,
  KNOWN_STATUS_CODES,
  normalizeStatusCode,
  RoutingError,
  type StatusRole,
  statusName,
} from "../src/index.js";

describe("normalizeStatusCode", () => {
  it.each([
    ["01", "01"],
    ["1", "01"],
    [" 5 ", "05"],
    ["06", "06"],
    ["13", "13"],
    ["14", "15"],
    ["15", "15"],
    ["16", "16"],
    ["7", "07"],
  ])("%j -> %s", (raw, expected) => {
    expect(normalizeStatusCode(raw)).toBe(expected);
  });

  it.each(["", "0", "00", "17", "001", "1a", "-1", "٣"])("refuses %j", (raw) => {
    try {
      normalizeStatusCode(raw);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RoutingError);
      expect((e as RoutingError).code).toBe("STATUS_CODE_INVALID");
      expect((e as RoutingError).message).toContain(JSON.stringify(raw));
    }
  });
});

describe("statusName", () => {
  it("gives the standard names", () => {
    expect(KNOWN_STATUS_CODES.map((c) => `${c} ${statusName(c)}`)).toEqual([
      "01 Đã đến",
      "02 Từ chối tiếp nhận",
      "03 Đã tiếp nhận",
      "04 Đã phân công",
      "05 Đang xử lý",
      "06 Hoàn thành",
      "13 Lấy lại",
      "15 Đồng ý cập nhật/lấy lại",
      "16 Từ chối cập nhật/lấy lại",
    ]);
  });

  it("names 14 as 15 and codes outside the standard as unknown", () => {
    expect(statusName("14")).toBe("Đồng ý cập nhật/lấy lại");
    expect(statusName("09")).toBe("Không xác định (09)");
  });
});

type Expected = "accept" | "ignore" | "ORDER" | "ROLE" | "UNKNOWN";
const R: StatusRole = "recipient";
const S: StatusRole = "sender";

/** [history (codes, oldest first), incoming code, reporter, expected, letter's docType?] */
const RULES: [string, StatusCode, StatusRole, Expected, BusinessDocType?][] = [
  // the usual order, one step at a time
  ["", "01", R, "accept"],
  ["01", "03", R, "accept"],
  ["01 03", "04", R, "accept"],
  ["01 03 04", "05", R, "accept"],
  ["01 03 04 05", "06", R, "accept"],
  ["01", "02", R, "accept"],
  // skipping forward
  ["", "03", R, "accept"],
  ["01", "06", R, "accept"],
  ["01 03", "06", R, "accept"],
  ["", "02", R, "accept"],
  // 05 may repeat, other codes are duplicates
  ["01 03 05", "05", R, "accept"],
  ["01 03 05 05", "05", R, "accept"],
  ["01", "01", R, "ignore"],
  ["01 03", "03", R, "ignore"],
  ["01 03", "01", R, "ignore"],
  ["01 03 04 05 06", "06", R, "ignore"],
  ["01 02", "02", R, "ignore"],
  // never backwards
  ["01 03 04", "03", R, "ignore"],
  ["01 04", "03", R, "ORDER"],
  ["01 03 05", "04", R, "ORDER"],
  ["03", "02", R, "ORDER"],
  // after 02 or 06 only the take-back family
  ["01 02", "03", R, "ORDER"],
  ["01 03 06", "05", R, "ORDER"],
  ["01 02", "13", S, "accept"],
  ["01 03 06", "13", S, "accept"],
  ["01 03 06 13", "15", R, "accept"],
  ["01 02 13", "16", R, "accept"],
  // roles
  ["", "01", S, "ROLE"],
  ["01", "06", S, "ROLE"],
  ["01", "13", R, "ROLE"],
  ["01 13", "15", S, "ROLE"],
  ["01 13", "16", S, "ROLE"],
  // 13 at any time, once pending
  ["", "13", S, "accept"],
  ["01 03 04", "13", S, "accept"],
  ["01 13", "13", S, "ignore"],
  ["01 13 15", "13", S, "ignore"],
  ["01 13 16", "13", S, "accept"],
  // 15/16 answer a pending 13, once
  ["01 13", "15", R, "accept"],
  ["01 13", "16", R, "accept"],
  ["01 13 15", "15", R, "ignore"],
  ["01 13 15", "16", R, "ORDER"],
  ["01 13 16", "15", R, "ORDER"],
  ["01 13 16 13", "15", R, "accept"],
  ["01", "15", R, "ORDER"],
  ["", "16", R, "ORDER"],
  // …or the update/revoke letter itself
  ["01", "15", R, "accept", "update"],
  ["", "16", R, "accept", "revoke"],
  ["01 15", "15", R, "ignore", "update"],
  ["01 15", "16", R, "ORDER", "revoke"],
  ["01", "15", R, "ORDER", "replace"],
  ["01", "16", R, "ORDER", "new"],
  // processing continues while a take-back is pending or after it was refused…
  ["01 13", "03", R, "accept"],
  ["01 13 16", "03", R, "accept"],
  // …but not after it was agreed: the document is gone
  ["01 13 15", "03", R, "ORDER"],
  ["01 03 13 15", "05", R, "ORDER"],
  ["01 15", "03", R, "ORDER", "revoke"],
  ["01 15", "03", R, "accept", "update"],
  ["01 13 15", "01", R, "ignore"],
  // 14 is 15, in history and incoming
  ["01 13", "14", R, "accept"],
  ["01 13 14", "15", R, "ignore"],
  ["01 13 14", "16", R, "ORDER"],
  ["01 13 14", "03", R, "ORDER"],
  // codes outside QCVN 102's list
  ["01", "07", R, "UNKNOWN"],
  ["01", "12", R, "UNKNOWN"],
  ["01", "09", S, "UNKNOWN"],
  ["01 07", "03", R, "accept"],
  ["01 09", "01", R, "ignore"],
];

function decision(expected: Expected) {
  switch (expected) {
    case "accept":
      return { action: "accept" };
    case "ignore":
      return { action: "ignore-duplicate" };
    case "ORDER":
      return expect.objectContaining({ action: "refuse", code: "STATUS_OUT_OF_ORDER" });
    case "ROLE":
      return expect.objectContaining({ action: "refuse", code: "STATUS_NOT_ALLOWED_FOR_ROLE" });
    case "UNKNOWN":
      return expect.objectContaining({ action: "refuse", code: "STATUS_UNKNOWN" });
  }
}

describe("decideStatus", () => {
  it.each(RULES)("[%s] + %s from %s -> %s %s", (past, code, role, expected, docType) => {
    const history = past
      .split(" ")
      .filter(Boolean)
      .map((c, i) => ({ code: c as StatusCode, at: `2025-07-15T0${i}:00:00.000Z` }));
    const context = docType ? { docType } : {};
    expect(decideStatus(history, { code, reporterRole: role }, context)).toEqual(
      decision(expected),
    );
  });

  it("explains refusals with the standard names", () => {
    const history = [
      { code: "01" as const, at: "2025-07-15T01:00:00.000Z" },
      { code: "06" as const, at: "2025-07-15T02:00:00.000Z" },
    ];
    expect(decideStatus(history, { code: "05", reporterRole: R })).toEqual({
      action: "refuse",
      code: "STATUS_OUT_OF_ORDER",
      message: "05 (Đang xử lý) after 06 (Hoàn thành): only 13, 15 or 16 may follow",
    });
    expect(decideStatus([], { code: "13", reporterRole: R })).toEqual({
      action: "refuse",
      code: "STATUS_NOT_ALLOWED_FOR_ROLE",
      message: "13 (Lấy lại) is sent by the original sender only",
    });
    expect(decideStatus([], { code: "08", reporterRole: R })).toEqual({
      action: "refuse",
      code: "STATUS_UNKNOWN",
      message: `status code "08" is not in QCVN 102:2016's list (01–06, 13, 15, 16)`,
    });
  });

  it("refuses garbage that slipped past the type", () => {
    expect(decideStatus([], { code: "xx" as StatusCode, reporterRole: R })).toEqual(
      expect.objectContaining({ action: "refuse", code: "STATUS_UNKNOWN" }),
    );
  });
});
