import { Directory, demoNetwork, UPSTREAM_HUB } from "@edoc/directory";
import { describe, expect, it } from "vitest";
import { planLetter, planRecipients, planStatusTargets } from "../src/index.js";
import { AFTER_REFORM, id, letter, PHUONG_1, SO_NOI_VU, TUY_HOA } from "./fixtures.js";

/** A ministry the national axis serves, and a department of province B (hub `hub-b`). */
const MINISTRY = id("000.00.00.G06");
const OTHER_PROVINCE = id("000.00.02.H46");
const NOWHERE = id("000.00.99.H45");

/** The demo province as a provincial hub knows it, plus one agency of another hub. */
function federated(): Directory {
  return Directory.fromAgencies([
    ...demoNetwork().agencies,
    {
      id: OTHER_PROVINCE,
      name: "Sở Nội vụ tỉnh B",
      tier: "department",
      validFrom: "2020-01-01",
      hub: "hub-b",
    },
  ]);
}

const directory = federated();

describe("planRecipients across hubs", () => {
  it("sends an agency another hub serves to that hub, keeping local ones local", () => {
    const plan = planRecipients(PHUONG_1, [TUY_HOA, OTHER_PROVINCE], directory, AFTER_REFORM, {
      upstream: false,
    });
    expect(plan).toEqual({
      deliveries: [
        { recipient: TUY_HOA, addressedTo: TUY_HOA, via: [] },
        { recipient: OTHER_PROVINCE, addressedTo: OTHER_PROVINCE, via: [], hub: "hub-b" },
      ],
      returned: [],
    });
  });

  it("sends an unknown agency upstream when there is an upstream", () => {
    const plan = planRecipients(PHUONG_1, [MINISTRY], directory, AFTER_REFORM, { upstream: true });
    expect(plan.deliveries).toEqual([
      { recipient: MINISTRY, addressedTo: MINISTRY, via: [], hub: UPSTREAM_HUB },
    ]);
    expect(plan.returned).toEqual([]);
  });

  it("returns an unknown agency (RECIPIENT_UNKNOWN) when there is no upstream, as before", () => {
    const plan = planRecipients(PHUONG_1, [NOWHERE], directory, AFTER_REFORM, { upstream: false });
    expect(plan.deliveries).toEqual([]);
    expect(plan.returned).toEqual([
      expect.objectContaining({ addressedTo: NOWHERE, reason: "RECIPIENT_UNKNOWN" }),
    ]);
    // The default options are the same island hub.
    expect(planRecipients(PHUONG_1, [NOWHERE], directory, AFTER_REFORM)).toEqual(plan);
  });

  it("never routes back to the hub the packet came from (HOP_LOOP)", () => {
    const fromB = planRecipients(PHUONG_1, [OTHER_PROVINCE, SO_NOI_VU], directory, AFTER_REFORM, {
      upstream: true,
      fromHub: "hub-b",
    });
    expect(fromB.deliveries).toEqual([{ recipient: SO_NOI_VU, addressedTo: SO_NOI_VU, via: [] }]);
    expect(fromB.returned).toEqual([
      expect.objectContaining({ addressedTo: OTHER_PROVINCE, reason: "HOP_LOOP" }),
    ]);
    // Pulled from the upstream: an agency unknown here would go straight back up.
    const fromUp = planRecipients(MINISTRY, [NOWHERE], directory, AFTER_REFORM, {
      upstream: true,
      fromHub: UPSTREAM_HUB,
    });
    expect(fromUp.deliveries).toEqual([]);
    expect(fromUp.returned).toEqual([
      expect.objectContaining({ addressedTo: NOWHERE, reason: "HOP_LOOP" }),
    ]);
  });

  it("one unknown agency addressed twice is delivered upstream once", () => {
    const plan = planRecipients(PHUONG_1, [MINISTRY, MINISTRY], directory, AFTER_REFORM, {
      upstream: true,
    });
    expect(plan.deliveries).toHaveLength(1);
    expect(plan.returned).toEqual([
      expect.objectContaining({ addressedTo: MINISTRY, reason: "RECIPIENT_DUPLICATE" }),
    ]);
  });

  it("planLetter takes the same options (the gateway's check and the router agree)", () => {
    const plan = planLetter(letter(PHUONG_1, [MINISTRY]), directory, AFTER_REFORM, {
      upstream: true,
    });
    expect(plan.deliveries).toEqual([
      { recipient: MINISTRY, addressedTo: MINISTRY, via: [], hub: UPSTREAM_HUB },
    ]);
  });
});

describe("planStatusTargets: statuses follow their letter back", () => {
  it("a status to a local sender stays here", () => {
    expect(
      planStatusTargets(
        { code: "03", originalSender: PHUONG_1, originalRecipients: [MINISTRY] },
        directory,
        AFTER_REFORM,
        { upstream: true, fromHub: UPSTREAM_HUB },
      ),
    ).toEqual({ targets: [{ recipient: PHUONG_1 }], returned: [] });
  });

  it("a status to a remote sender goes to that sender's hub", () => {
    const up = planStatusTargets(
      { code: "03", originalSender: MINISTRY, originalRecipients: [PHUONG_1] },
      directory,
      AFTER_REFORM,
      { upstream: true },
    );
    expect(up.targets).toEqual([{ recipient: MINISTRY, hub: UPSTREAM_HUB }]);
    const peer = planStatusTargets(
      { code: "06", originalSender: OTHER_PROVINCE, originalRecipients: [PHUONG_1] },
      directory,
      AFTER_REFORM,
      { upstream: false },
    );
    expect(peer.targets).toEqual([{ recipient: OTHER_PROVINCE, hub: "hub-b" }]);
  });

  it("a take-back (13) goes to each recipient where it is served", () => {
    const plan = planStatusTargets(
      {
        code: "13",
        originalSender: PHUONG_1,
        originalRecipients: [TUY_HOA, OTHER_PROVINCE, MINISTRY, MINISTRY],
      },
      directory,
      AFTER_REFORM,
      { upstream: true },
    );
    expect(plan.targets).toEqual([
      { recipient: TUY_HOA },
      { recipient: OTHER_PROVINCE, hub: "hub-b" },
      { recipient: MINISTRY, hub: UPSTREAM_HUB },
    ]);
  });

  it("a status that would go back where it came from is returned with HOP_LOOP", () => {
    const plan = planStatusTargets(
      { code: "03", originalSender: OTHER_PROVINCE, originalRecipients: [PHUONG_1] },
      directory,
      AFTER_REFORM,
      { upstream: false, fromHub: "hub-b" },
    );
    expect(plan.targets).toEqual([]);
    expect(plan.returned).toEqual([
      expect.objectContaining({ addressedTo: OTHER_PROVINCE, reason: "HOP_LOOP" }),
    ]);
  });
});
