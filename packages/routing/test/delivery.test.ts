import { describe, expect, it } from "vitest";
import { type DeliveryEvent, type DeliveryNow, decideDelivery } from "../src/index.js";

const at = (state: DeliveryNow["state"], ackResult?: "done" | "fail"): DeliveryNow => ({
  id: "dlv_1",
  state,
  ...(ackResult ? { ackResult } : {}),
});
const fetch: DeliveryEvent = { type: "fetch" };
const chunk: DeliveryEvent = { type: "fetchChunk" };
const done: DeliveryEvent = { type: "ack", result: "done" };
const fail: DeliveryEvent = { type: "ack", result: "fail" };
const withdraw: DeliveryEvent = { type: "withdraw" };

describe("the delivery lifecycle", () => {
  it("available → fetched → acknowledged or failed", () => {
    expect(decideDelivery(at("available"), fetch)).toEqual({ action: "move", to: "fetched" });
    expect(decideDelivery(at("fetched"), done)).toEqual({ action: "move", to: "acknowledged" });
    expect(decideDelivery(at("fetched"), fail)).toEqual({ action: "move", to: "failed" });
  });

  it("a fetch again, a chunk after the fetch and the same acknowledgement again change nothing", () => {
    for (const s of ["fetched", "acknowledged", "failed"] as const) {
      expect(decideDelivery(at(s, "done"), fetch)).toEqual({ action: "stay" });
      expect(decideDelivery(at(s, "done"), chunk)).toEqual({ action: "stay" });
    }
    expect(decideDelivery(at("acknowledged", "done"), done)).toEqual({ action: "stay" });
    expect(decideDelivery(at("failed", "fail"), fail)).toEqual({ action: "stay" });
  });

  it("the first acknowledgement stands: another result is a conflict", () => {
    expect(decideDelivery(at("acknowledged", "done"), fail)).toMatchObject({
      action: "refuse",
      code: "ACK_CONFLICT",
      message: "delivery dlv_1 was already acknowledged with done",
    });
  });

  it("nothing is acknowledged or read in chunks before its fetch", () => {
    expect(decideDelivery(at("available"), done)).toMatchObject({
      action: "refuse",
      code: "DELIVERY_NOT_FETCHED",
    });
    expect(decideDelivery(at("available"), chunk)).toMatchObject({
      action: "refuse",
      code: "DELIVERY_NOT_FETCHED",
    });
  });

  it("a revoke withdraws only what was not fetched; a withdrawn delivery refuses everything", () => {
    expect(decideDelivery(at("available"), withdraw)).toEqual({ action: "move", to: "withdrawn" });
    for (const s of ["fetched", "acknowledged", "failed", "withdrawn"] as const) {
      expect(decideDelivery(at(s), withdraw)).toEqual({ action: "stay" });
    }
    for (const e of [fetch, chunk, done, fail]) {
      expect(decideDelivery(at("withdrawn"), e)).toMatchObject({
        action: "refuse",
        code: "DELIVERY_WITHDRAWN",
      });
    }
  });
});
