import { describe, expect, it } from "vitest";
import { type AnsweredLetter, type LinkedStatus, linkStatus } from "../src/index.js";
import { PHUONG_1, SO_NOI_VU, TUY_HOA } from "./fixtures.js";

// A letter from Sở Nội vụ to TP Tuy Hòa and Phường 1.
const toTuyHoa = { deliveryId: "dlv_a", addressedTo: TUY_HOA };
const toPhuong = { deliveryId: "dlv_b", addressedTo: PHUONG_1 };
const letter = (
  statuses: LinkedStatus[],
): AnsweredLetter<{ deliveryId: string; addressedTo: string }> => ({
  from: SO_NOI_VU,
  docType: "new",
  deliveries: [toTuyHoa, toPhuong],
  statuses,
});
let clock = 0;
const said = (from: string, code: string, extra: Partial<LinkedStatus> = {}): LinkedStatus => ({
  from,
  code,
  receivedAt: new Date(Date.UTC(2026, 11, 6, 3, 0, clock++)).toISOString(),
  ...extra,
});

describe("linkStatus (a status to the letter it answers)", () => {
  it("judges a recipient's status on its own delivery only", () => {
    // Phường 1 refused (02); Tuy Hòa's own track is untouched by it.
    const l = letter([said(PHUONG_1, "02", { reporterDeliveryId: "dlv_b" })]);
    expect(linkStatus(l, { from: TUY_HOA, code: "03", reporterDeliveryId: "dlv_a" })).toEqual({
      decision: { action: "accept" },
    });
    expect(
      linkStatus(l, { from: PHUONG_1, code: "03", reporterDeliveryId: "dlv_b" }).decision,
    ).toMatchObject({ action: "refuse" });
  });

  it("a sender's 13 applies to the deliveries it is new for, and only to those", () => {
    const first = linkStatus(letter([]), { from: SO_NOI_VU, code: "13" });
    expect(first).toEqual({ decision: { action: "accept" }, appliesTo: [toTuyHoa, toPhuong] });

    // Asked once of both; Tuy Hòa refused the take-back (16): asking again is new there only.
    const again = linkStatus(
      letter([said(SO_NOI_VU, "13"), said(TUY_HOA, "16", { reporterDeliveryId: "dlv_a" })]),
      { from: SO_NOI_VU, code: "13" },
    );
    expect(again).toEqual({ decision: { action: "accept" }, appliesTo: [toTuyHoa] });
  });

  it("a 13 already pending everywhere is a duplicate", () => {
    const l = letter([said(SO_NOI_VU, "13")]);
    expect(linkStatus(l, { from: SO_NOI_VU, code: "13" })).toEqual({
      decision: { action: "ignore-duplicate" },
      appliesTo: [],
    });
  });

  it("a 13 counted for some deliveries only is new for the others", () => {
    const l = letter([said(SO_NOI_VU, "13", { appliesTo: ["dlv_a"] })]);
    expect(linkStatus(l, { from: SO_NOI_VU, code: "13" }).appliesTo).toEqual([toPhuong]);
  });
});
