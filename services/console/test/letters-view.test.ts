import { Directory, demoNetwork } from "@edoc/directory";
import type { ConsoleLetter } from "@edoc/messages";
import { describe, expect, it } from "vitest";
import { lettersPage, type SearchForm } from "../src/views/letters.js";

// The search results of a letter that went partly to another hub (liên thông): a recipient
// served by a peer hub shows that hub, one served here none.
const at = "2026-12-05T01:00:00.000Z";
const form: SearchForm = {
  documentId: "",
  code: "",
  from: "",
  to: "",
  fromTier: "",
  toTier: "",
  since: "",
  until: "",
  state: "returned",
  status: "",
};
const letter: ConsoleLetter = {
  hubDocumentId: "doc_1",
  documentId: "000.20.30.H45,2026/12/05,1/UBND",
  kind: "letter",
  docType: "new",
  from: "000.20.30.H45",
  to: ["000.00.00.G06", "000.00.98.G06", "000.00.00.H45"],
  receivedAt: at,
  routeState: "planned",
  recipients: [
    {
      recipient: "000.00.00.G06",
      addressedTo: "000.00.00.G06",
      deliveryId: "dlv_1",
      state: "acknowledged",
      hub: "upstream",
    },
    {
      recipient: "000.00.98.G06",
      addressedTo: "000.00.98.G06",
      deliveryId: "dlv_2",
      state: "returned",
      hub: "upstream",
    },
    {
      recipient: "000.00.00.H45",
      addressedTo: "000.00.00.H45",
      deliveryId: "dlv_3",
      state: "available",
    },
  ],
};

describe("letters search results across hubs", () => {
  it("shows the peer hub beside a recipient it handled, and none beside a local one", () => {
    const out = lettersPage({
      viewer: { username: "vanhanh", role: "operator", csrf: "x" },
      form,
      errors: [],
      result: { letters: [letter], truncated: false },
      directory: Directory.fromAgencies(demoNetwork().agencies),
      utcOffsetMinutes: 420,
    }).toString();
    const items = [...out.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1] ?? "");
    const of = (id: string) => items.filter((i) => i.includes(id));
    expect(of("000.00.00.G06")).toHaveLength(1);
    expect(of("000.00.00.G06")[0]).toContain("→ trục <code>upstream</code>");
    // A peer hub's return: the hub and the return, once.
    expect(of("000.00.98.G06")).toHaveLength(1);
    expect(of("000.00.98.G06")[0]).toContain("→ trục <code>upstream</code>");
    expect(of("000.00.98.G06")[0]).toContain("Trả lại");
    expect(of("000.00.00.H45").join("")).not.toContain("→ trục");
  });
});
