import { randomBytes } from "node:crypto";
import { Bus, type InboundMessage } from "@edoc/bus";
import { Directory, demoNetwork, type OrganId } from "@edoc/directory";
import type { RouteRequest } from "@edoc/messages";
import { createLogger } from "@edoc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter } from "../src/router.js";

const directory = Directory.fromAgencies(demoNetwork().agencies);
const url = process.env.EDOC_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const log = createLogger("router-test", "silent");
const at = new Date("2026-01-10T00:00:00Z");
const base = {
  kind: "letter",
  docType: "new",
  from: "000.20.30.H45",
  documentId: "000.20.30.H45,2026/01/10,1/TEST",
  acceptedAt: at.toISOString(),
} as const;

describe("router plan", () => {
  const router = createRouter({
    bus: undefined as unknown as Bus,
    directory: () => directory,
    log,
  });

  it("fans out one delivery per final recipient and returns the unknown ones, deterministically", () => {
    const req: RouteRequest = {
      ...base,
      hubDocumentId: "doc_a",
      to: ["000.00.30.H45", "000.00.05.H45", "000.99.99.H45"],
    };
    const plan = router.plan(req, at);
    expect(plan.deliveries.map((d) => [d.addressedTo, d.recipient, d.via])).toEqual([
      ["000.00.30.H45", "000.00.30.H45", []],
      // Sở TT&TT merged into Sở KH&CN in 2025: the successor receives it.
      ["000.00.05.H45", "000.00.04.H45", ["000.00.04.H45"]],
    ]);
    expect(plan.returned).toEqual([
      expect.objectContaining({ addressedTo: "000.99.99.H45", reason: "RECIPIENT_UNKNOWN" }),
    ]);
    expect(router.plan(req, at)).toEqual(plan);
    expect(plan.withdraw).toBe(false);
  });

  it("sends a recipient's status to the original sender and a take-back (13) to every recipient", () => {
    const status = {
      code: "03",
      responseForOrganId: "000.20.30.H45",
      responseForDocumentId: base.documentId,
    };
    const back = router.plan(
      {
        ...base,
        hubDocumentId: "doc_s",
        kind: "status",
        docType: "status",
        from: "000.00.02.H45",
        to: [],
        status,
        originalSender: "000.20.30.H45",
      },
      at,
    );
    expect(back.deliveries.map((d) => d.recipient)).toEqual(["000.20.30.H45"]);
    const takeBack = router.plan(
      {
        ...base,
        hubDocumentId: "doc_t",
        kind: "status",
        docType: "status",
        to: [],
        status: { ...status, code: "13" },
        originalRecipients: ["000.00.02.H45", "000.00.30.H45"],
      },
      at,
    );
    expect(takeBack.deliveries.map((d) => d.recipient)).toEqual(["000.00.02.H45", "000.00.30.H45"]);
  });

  it("with an upstream: an unknown recipient goes there, a status follows its letter back, never to where it came from", () => {
    const linked = createRouter({
      bus: undefined as unknown as Bus,
      directory: () => directory,
      log,
      upstream: true,
    });
    const MINISTRY = "000.00.00.G06";
    const letter = linked.plan(
      { ...base, hubDocumentId: "doc_u", to: ["000.00.02.H45", MINISTRY] },
      at,
    );
    expect(letter.deliveries.map((d) => [d.recipient, d.hub])).toEqual([
      ["000.00.02.H45", undefined],
      [MINISTRY, "upstream"],
    ]);
    expect(letter.returned).toEqual([]);
    // A letter pulled from the upstream is never sent back up.
    const pulled = linked.plan(
      {
        ...base,
        from: MINISTRY,
        hubDocumentId: "doc_p",
        to: ["000.99.99.H45"],
        fromHub: "upstream",
      },
      at,
    );
    expect(pulled.deliveries).toEqual([]);
    expect(pulled.returned).toEqual([expect.objectContaining({ reason: "HOP_LOOP" })]);
    // The commune's status 03 to the ministry's letter: back up, the way the letter came.
    const status = linked.plan(
      {
        ...base,
        hubDocumentId: "doc_s3",
        kind: "status",
        docType: "status",
        to: [],
        status: { code: "03", responseForOrganId: MINISTRY, responseForDocumentId: "x" },
        originalSender: MINISTRY,
      },
      at,
    );
    expect(status.deliveries).toEqual([
      expect.objectContaining({ recipient: MINISTRY, hub: "upstream" }),
    ]);
  });

  it("marks a revoke so the archive withdraws unfetched deliveries", () => {
    const plan = router.plan(
      { ...base, hubDocumentId: "doc_r", docType: "revoke", to: ["000.00.02.H45" as OrganId] },
      at,
    );
    expect(plan.withdraw).toBe(true);
  });
});

describe("router on the bus", () => {
  const prefix = `t-router-${randomBytes(4).toString("hex")}`;
  let bus: Bus;
  beforeAll(async () => {
    bus = await Bus.connect({ url, prefix, deliveryLimit: 2 });
  });
  afterAll(async () => {
    await bus.deleteAll();
    await bus.close();
  });

  it("publishes one plan per packet and dead-letters a malformed request with its reason", async () => {
    const plans: InboundMessage[] = [];
    const dead: InboundMessage[] = [];
    await bus.consume("archive.plans", async (m) => {
      plans.push(m);
    });
    await bus.consume("dead", async (m) => {
      dead.push(m);
    });
    await createRouter({ bus, directory: () => directory, log }).start();
    await bus.publishJson(
      "router.inbound",
      { ...base, hubDocumentId: "doc_b", to: ["000.00.02.H45"] },
      { messageId: "doc_b" },
    );
    await bus.publishJson(
      "router.inbound",
      { hubDocumentId: "doc_bad", from: "28.22.H17" },
      { messageId: "doc_bad" },
    );
    const deadline = Date.now() + 10_000;
    while ((plans.length < 1 || dead.length < 1) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    expect(plans.map((p) => (p.json() as { hubDocumentId: string }).hubDocumentId)).toEqual([
      "doc_b",
    ]);
    expect(dead[0]?.headers["x-edoc-reason"]).toBe("ROUTE_INVALID");
    expect(String(dead[0]?.headers["x-edoc-error"])).toContain("from");
  });
});
