import { Directory, demoNetwork } from "@edoc/directory";
import type { ConsoleLetter, Trace } from "@edoc/messages";
import { describe, expect, it } from "vitest";
import { tracePage } from "../src/views/trace.js";

// The trace page of a letter that left this hub (liên thông): the peer hub, the `forwarded`
// step and its far-side id, the hops before this hub, and a return with the far side's code.
const at = "2026-12-05T01:00:00.000Z";
const ev = (seq: number, type: string, data?: Record<string, string>) => ({
  receiptId: `rcp_${seq}`,
  seq,
  type,
  at,
  organId: "000.00.00.G06",
  deliveryId: "dlv_1",
  ...(data && { data }),
});
const letter: ConsoleLetter = {
  hubDocumentId: "doc_1",
  documentId: "000.20.30.H45,2026/12/05,1/UBND",
  kind: "letter",
  docType: "new",
  from: "000.20.30.H45",
  to: ["000.00.00.G06"],
  receivedAt: at,
  routeState: "planned",
  recipients: [],
};
const trace: Trace = {
  hubDocumentId: "doc_1",
  documentId: letter.documentId,
  from: letter.from,
  docType: "new",
  kind: "letter",
  events: [{ ...ev(1, "accepted"), deliveryId: undefined }],
  recipients: [
    {
      recipient: "000.00.00.G06",
      addressedTo: "000.00.00.G06",
      deliveryId: "dlv_1",
      state: "acknowledged",
      statuses: [],
      hub: "upstream",
      events: [
        ev(2, "routed", { hub: "upstream" }),
        ev(3, "available"),
        ev(4, "fetched"),
        ev(5, "forwarded", { hub: "upstream", remoteReceipt: "doc_far" }),
      ],
    },
    {
      recipient: "000.00.98.G06",
      addressedTo: "000.00.98.G06",
      deliveryId: "dlv_2",
      state: "returned",
      statuses: [],
      hub: "upstream",
      events: [
        ev(6, "returned", { reason: "RECIPIENT_UNKNOWN", message: "không có trong danh bạ" }),
      ],
    },
  ],
  fromHub: "hub-b",
  hops: [{ hub: "hub-b", at }],
};

describe("trace page across hubs", () => {
  it("shows the peer hub, the forward with the far side's id, the hops and a return's code", () => {
    const out = tracePage({
      viewer: { username: "vanhanh", role: "operator", csrf: "x" },
      letter,
      trace,
      directory: Directory.fromAgencies(demoNetwork().agencies),
      utcOffsetMinutes: 420,
    }).toString();
    expect(out).toContain("Chuyển tiếp qua trục <code>upstream</code>");
    expect(out).toContain("Đã chuyển tiếp sang trục khác");
    expect(out).toContain("<code>doc_far</code>");
    // Its last step is the forward, not an agency's acknowledgement.
    expect(out).toContain('class="done ev-forwarded"');
    expect(out).not.toContain('ev-acknowledged"');
    expect(out).toContain("Nhận từ trục</dt><dd><code>hub-b</code>");
    expect(out).toMatch(/id="hops"><code>hub-b<\/code>/);
    expect(out).toContain("<code>RECIPIENT_UNKNOWN</code> không có trong danh bạ");
  });
});
