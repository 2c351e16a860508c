import type { OrganId } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { deliveryIdFor } from "../src/index.js";
import { PHUONG_1, TUY_HOA } from "./fixtures.js";

describe("deliveryIdFor", () => {
  it("is deterministic, so a redelivered routing message makes the same ids", () => {
    const a = deliveryIdFor("doc_0123", PHUONG_1);
    expect(a).toMatch(/^dlv_[0-9a-f]{32}$/);
    expect(deliveryIdFor("doc_0123", PHUONG_1)).toBe(a);
    // sha256('["doc_0123","000.20.30.H45"]'), pinned: stored ids must keep matching
    expect(a).toBe("dlv_070206321e8cc856f9114c045b3c3fb2");
  });

  it("differs per recipient and per document", () => {
    const ids = new Set([
      deliveryIdFor("doc_0123", PHUONG_1),
      deliveryIdFor("doc_0123", TUY_HOA),
      deliveryIdFor("doc_0124", PHUONG_1),
    ]);
    expect(ids.size).toBe(3);
  });

  it("refuses an empty document id or a malformed recipient", () => {
    expect(() => deliveryIdFor("", PHUONG_1)).toThrow(
      expect.objectContaining({ code: "DELIVERY_ID_INVALID" }),
    );
    expect(() => deliveryIdFor("doc_1", "28.22.H17" as OrganId)).toThrow(/28\.22\.H17/);
  });
});
