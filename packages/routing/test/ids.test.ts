import type { OrganId } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { deliveryIdFor, hubDocumentIdFor, isHubDocumentId } from "../src/index.js";
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

describe("hubDocumentIdFor", () => {
  const letter = {
    from: PHUONG_1,
    docType: "new",
    documentId: "000.20.30.H45,2026/12/06,38598/DEMO",
    digest: "e".repeat(64),
  };

  it("is the same for the same sender, type, DocumentId and bytes (a resubmission), pinned", () => {
    const id = hubDocumentIdFor(letter);
    expect(hubDocumentIdFor({ ...letter })).toBe(id);
    // sha256("000.20.30.H45\nnew\n<DocumentId>\n<digest>"), pinned: stored ids must keep matching
    expect(id).toBe("doc_be0e644d0d751970d2d7d57644f25146");
    expect(isHubDocumentId(id)).toBe(true);
  });

  it("differs when any part differs", () => {
    const ids = new Set([
      hubDocumentIdFor(letter),
      hubDocumentIdFor({ ...letter, from: TUY_HOA }),
      hubDocumentIdFor({ ...letter, docType: "revoke" }),
      hubDocumentIdFor({ ...letter, documentId: `${letter.documentId}X` }),
      hubDocumentIdFor({ ...letter, digest: "f".repeat(64) }),
    ]);
    expect(ids.size).toBe(5);
  });

  it("tells a hub id from a sender's DocumentId", () => {
    expect(isHubDocumentId(letter.documentId)).toBe(false);
    expect(isHubDocumentId("doc_0123")).toBe(false);
  });
});
