import { RpcError, RpcTimeoutError } from "@edoc/bus";
import { VdxpFailure } from "@edoc/vdxp-client";
import { describe, expect, it } from "vitest";
import { classify } from "../src/upstream/refusal.js";

const failure = (ErrorCode: string, edocCode?: string) =>
  new VdxpFailure("sendEdoc", {
    status: "FAIL",
    ErrorCode,
    ErrorDesc: `refused ${ErrorCode}`,
    ...(edocCode !== undefined && { edocCode }),
  } as ConstructorParameters<typeof VdxpFailure>[1]);

describe("what the forwarder makes of a failed forward", () => {
  it("returns to the sender what the far side refused for good, with its native code", () => {
    expect(classify(failure("18", "RECIPIENT_UNKNOWN"))).toEqual({
      kind: "returned",
      code: "RECIPIENT_UNKNOWN",
      message: "refused 18",
    });
    expect(classify(failure("20", "SIGNATURE_INVALID"))).toMatchObject({ kind: "returned" });
    expect(classify(failure("30", "HOP_LOOP"))).toMatchObject({
      kind: "returned",
      code: "HOP_LOOP",
    });
    // A far side without native codes (the real national axis): its ErrorCode decides.
    expect(classify(failure("18"))).toMatchObject({ kind: "returned", code: "VDXP_18" });
  });

  it("retries the link, the far side down, and this hub's own credentials refused", () => {
    expect(classify(failure("50", "HUB_UNAVAILABLE")).kind).toBe("retry");
    expect(classify(failure("11", "AUTH_INVALID")).kind).toBe("retry");
    expect(classify(failure("11")).kind).toBe("retry");
    expect(classify(failure("34")).kind).toBe("retry");
    expect(
      classify(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })).kind,
    ).toBe("retry");
    expect(classify(new RpcTimeoutError("archive.rpc", 10)).kind).toBe("retry");
    expect(classify(new RpcError("INTERNAL", "db down", 500)).kind).toBe("retry");
  });

  it("drops a delivery withdrawn meanwhile", () => {
    expect(classify(new RpcError("DELIVERY_WITHDRAWN", "revoked", 410))).toEqual({
      kind: "gone",
      code: "DELIVERY_WITHDRAWN",
    });
  });
});
