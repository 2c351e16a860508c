import { describe, expect, it } from "vitest";
import { RouteRequest, RpcParams } from "../src/index.js";

describe("messages", () => {
  it("accepts a well-formed routing request and names the bad field of a malformed one", () => {
    const ok = RouteRequest.safeParse({
      hubDocumentId: "doc_1",
      kind: "letter",
      docType: "new",
      from: "000.00.00.H45",
      documentId: "000.00.00.H45,2026/11/25,1/UBND",
      to: ["000.00.01.H45"],
      acceptedAt: "2026-11-25T10:00:00.000Z",
    });
    expect(ok.success).toBe(true);
    const bad = RouteRequest.safeParse({
      hubDocumentId: "doc_1",
      kind: "letter",
      docType: "new",
      from: "28.22.H17",
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toContain("from");
  });

  it("scopes every inbox RPC to the OrganIds the caller acts for", () => {
    expect(RpcParams["inbox.fetch"].safeParse({ deliveryId: "dlv_x" }).success).toBe(false);
    expect(
      RpcParams["inbox.fetch"].safeParse({ actingFor: ["000.00.31.H45"], deliveryId: "dlv_x" })
        .success,
    ).toBe(true);
  });
});
