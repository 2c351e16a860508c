import { Directory } from "@edoc/directory";
import { parseLetter } from "@edoc/edxml";
import { describe, expect, it } from "vitest";
import { readFixture } from "../../../tests/fixtures/paths.js";
import { checkSender, planLetter, planRecipients } from "../src/index.js";
import {
  AFTER_REFORM,
  BEFORE_REFORM,
  demoDirectory,
  GOV_OFFICE,
  id,
  letter,
  NOWHERE,
  PHONG_NOI_VU_SONG_CAU,
  PHUONG_1,
  PHUONG_2,
  PHUONG_3,
  PROVINCE,
  SO_KHCN,
  SO_NOI_VU,
  SO_TTTT,
  SONG_CAU,
  TUY_HOA,
  XUAN_LAM,
  XUAN_PHU,
} from "./fixtures.js";

const directory = demoDirectory();

describe("planLetter on the demo network", () => {
  it("sends a commune's letter to its district and a department", () => {
    const plan = planLetter(letter(PHUONG_1, [TUY_HOA, SO_NOI_VU]), directory, AFTER_REFORM);
    expect(plan).toEqual({
      docType: "new",
      deliveries: [
        { recipient: TUY_HOA, addressedTo: TUY_HOA, via: [] },
        { recipient: SO_NOI_VU, addressedTo: SO_NOI_VU, via: [] },
      ],
      returned: [],
    });
  });

  it("delivers to a merged commune's successor, recording the codes followed", () => {
    const plan = planLetter(letter(SO_NOI_VU, [PHUONG_2, PHUONG_3]), directory, BEFORE_REFORM);
    // Before the reform Phường 2 is itself active; Phường 3 (merged in 2020) reaches it.
    expect(plan.deliveries).toEqual([{ recipient: PHUONG_2, addressedTo: PHUONG_2, via: [] }]);
    expect(plan.returned).toEqual([
      expect.objectContaining({ addressedTo: PHUONG_3, reason: "RECIPIENT_DUPLICATE" }),
    ]);

    const after = planLetter(letter(SO_NOI_VU, [PHUONG_3]), directory, AFTER_REFORM);
    expect(after.deliveries).toEqual([
      { recipient: PHUONG_1, addressedTo: PHUONG_3, via: [PHUONG_2, PHUONG_1] },
    ]);
  });

  it("reform day starts at 00:00 in Hà Nội: at 00:30 local the successors already receive", () => {
    // 2025-07-01 00:30 +07:00 is still 30 June in UTC.
    const at = new Date("2025-07-01T00:30:00+07:00");
    const plan = planLetter(letter(SO_NOI_VU, [PHUONG_2, SONG_CAU]), directory, at);
    expect(plan.deliveries).toEqual([
      { recipient: PHUONG_1, addressedTo: PHUONG_2, via: [PHUONG_1] },
      { recipient: PROVINCE, addressedTo: SONG_CAU, via: [PROVINCE] },
    ]);
    const closed = planRecipients(SO_NOI_VU, [PHONG_NOI_VU_SONG_CAU], directory, at);
    expect(closed.returned[0]?.message).toContain("has no active successor on 2025-07-01");
    expect(checkSender(PHUONG_2, directory, at)).toMatchObject({
      ok: false,
      code: "SENDER_INACTIVE",
    });
    const eve = new Date("2025-06-30T23:59:00+07:00");
    expect(planLetter(letter(SO_NOI_VU, [PHUONG_2]), directory, eve).deliveries).toEqual([
      { recipient: PHUONG_2, addressedTo: PHUONG_2, via: [] },
    ]);
  });

  it("follows successors of departments, districts and communes after the 2025 reform", () => {
    const plan = planLetter(
      letter(GOV_OFFICE, [SO_TTTT, SONG_CAU, XUAN_LAM]),
      directory,
      AFTER_REFORM,
    );
    expect(plan.deliveries).toEqual([
      { recipient: SO_KHCN, addressedTo: SO_TTTT, via: [SO_KHCN] },
      { recipient: PROVINCE, addressedTo: SONG_CAU, via: [PROVINCE] },
      { recipient: XUAN_PHU, addressedTo: XUAN_LAM, via: [XUAN_PHU] },
    ]);
    expect(plan.returned).toEqual([]);
  });

  it("returns unknown and inactive recipients and still delivers to the others", () => {
    const plan = planLetter(
      letter(TUY_HOA, [NOWHERE, PHONG_NOI_VU_SONG_CAU, SO_NOI_VU]),
      directory,
      AFTER_REFORM,
    );
    expect(plan.deliveries).toEqual([{ recipient: SO_NOI_VU, addressedTo: SO_NOI_VU, via: [] }]);
    expect(plan.returned).toEqual([
      {
        addressedTo: NOWHERE,
        reason: "RECIPIENT_UNKNOWN",
        message: "To[0] 000.00.99.H45 is not in the agency directory on 2025-07-15",
      },
      {
        addressedTo: PHONG_NOI_VU_SONG_CAU,
        reason: "RECIPIENT_INACTIVE",
        message:
          "To[1] 000.01.31.H45 (Phòng Nội vụ thị xã Sông Cầu) closed on 2025-07-01 and has no active successor on 2025-07-15",
      },
    ]);
  });

  it("judges by the date given: a code active then is delivered", () => {
    const plan = planLetter(letter(TUY_HOA, [PHONG_NOI_VU_SONG_CAU]), directory, BEFORE_REFORM);
    expect(plan.deliveries).toEqual([
      { recipient: PHONG_NOI_VU_SONG_CAU, addressedTo: PHONG_NOI_VU_SONG_CAU, via: [] },
    ]);
  });

  it("makes one delivery per final recipient and returns the rest as duplicates", () => {
    const plan = planLetter(
      letter(SO_NOI_VU, [PHUONG_1, PHUONG_2, PHUONG_1, TUY_HOA]),
      directory,
      AFTER_REFORM,
    );
    expect(plan.deliveries).toEqual([
      { recipient: PHUONG_1, addressedTo: PHUONG_1, via: [] },
      { recipient: TUY_HOA, addressedTo: TUY_HOA, via: [] },
    ]);
    expect(plan.returned.map((r) => [r.addressedTo, r.reason])).toEqual([
      [PHUONG_2, "RECIPIENT_DUPLICATE"],
      [PHUONG_1, "RECIPIENT_DUPLICATE"],
    ]);
    expect(plan.returned[0]?.message).toBe(
      "To[1] 000.21.30.H45 reaches 000.20.30.H45 (Ủy ban nhân dân Phường 1, thành phố Tuy Hòa) as its successor, already a recipient by To[0]",
    );
  });

  it("keeps the first To when the successor comes later in the list", () => {
    const plan = planLetter(letter(SO_NOI_VU, [PHUONG_2, PHUONG_1]), directory, AFTER_REFORM);
    expect(plan.deliveries).toEqual([
      { recipient: PHUONG_1, addressedTo: PHUONG_2, via: [PHUONG_1] },
    ]);
    expect(plan.returned).toEqual([
      expect.objectContaining({ addressedTo: PHUONG_1, reason: "RECIPIENT_DUPLICATE" }),
    ]);
  });

  it("returns the sender addressed to itself, directly or through a successor", () => {
    const plan = planLetter(
      letter(PHUONG_1, [PHUONG_1, PHUONG_2, TUY_HOA]),
      directory,
      AFTER_REFORM,
    );
    expect(plan.deliveries.map((d) => d.recipient)).toEqual([TUY_HOA]);
    expect(plan.returned).toEqual([
      {
        addressedTo: PHUONG_1,
        reason: "RECIPIENT_IS_SENDER",
        message: "To[0] 000.20.30.H45 is the sender itself",
      },
      {
        addressedTo: PHUONG_2,
        reason: "RECIPIENT_IS_SENDER",
        message:
          "To[1] 000.21.30.H45 resolves to the sender 000.20.30.H45 (Ủy ban nhân dân Phường 1, thành phố Tuy Hòa)",
      },
    ]);
  });

  it("returns every addressee when none can be delivered", () => {
    const plan = planLetter(letter(PHUONG_1, [NOWHERE]), directory, AFTER_REFORM);
    expect(plan.deliveries).toEqual([]);
    expect(plan.returned).toHaveLength(1);
  });
});

describe("planLetter by business type", () => {
  it("revoke: goes to the To list and names the revoked document", () => {
    const plan = planLetter(
      letter(SO_NOI_VU, [TUY_HOA, PHUONG_1], {
        docType: "revoke",
        documentId: "000.00.02.H45,2025/07/01,7/SNV-VP",
        reason: "Thu hồi văn bản",
      }),
      directory,
      AFTER_REFORM,
    );
    expect(plan.docType).toBe("revoke");
    expect(plan.refersTo).toBe("000.00.02.H45,2025/07/01,7/SNV-VP");
    expect(plan.deliveries.map((d) => d.recipient)).toEqual([TUY_HOA, PHUONG_1]);
    expect(plan.changedReceivers).toBeUndefined();
  });

  it("update: goes to the To list and exposes the changed receivers", () => {
    const receivers = [
      { organId: PHUONG_1, receiverType: "0" },
      { organId: PHUONG_2, receiverType: "1" },
    ];
    const plan = planLetter(
      letter(SO_NOI_VU, [TUY_HOA, PHUONG_1], { docType: "update", documentId: "doc-7", receivers }),
      directory,
      AFTER_REFORM,
    );
    expect(plan.deliveries.map((d) => d.recipient)).toEqual([TUY_HOA, PHUONG_1]);
    expect(plan.changedReceivers).toEqual(receivers);
    expect(plan.changedReceivers).not.toBe(receivers);
    expect(plan.refersTo).toBe("doc-7");
  });

  it("replace: goes to the To list and exposes the replaced documents", () => {
    const replacements = [{ documentId: "doc-5", organIds: [TUY_HOA] }];
    const plan = planLetter(
      letter(SO_NOI_VU, [TUY_HOA], { docType: "replace", replacements }),
      directory,
      AFTER_REFORM,
    );
    expect(plan.deliveries.map((d) => d.recipient)).toEqual([TUY_HOA]);
    expect(plan.replacements).toEqual(replacements);
    expect(plan.refersTo).toBeUndefined();
  });

  it("reads the national-axis SDK's update sample", () => {
    const bytes = readFixture("samples/vpcp-sdk/edoc_update.edxml");
    const sample = parseLetter(bytes);
    const to = sample.header.to.map((o) => o.organId);
    const sdkDirectory = Directory.fromAgencies(
      [GOV_OFFICE, ...to, ...(sample.business.receivers ?? []).map((r) => r.organId)]
        .filter((v, i, all) => all.indexOf(v) === i)
        .map((organId) => ({
          id: organId,
          name: organId,
          tier: "central",
          validFrom: "2010-01-01",
        })),
    );
    const plan = planLetter(sample, sdkDirectory, AFTER_REFORM);
    expect(plan.docType).toBe("update");
    expect(plan.deliveries.map((d) => d.recipient)).toEqual(
      to.filter((v, i) => to.indexOf(v) === i),
    );
    expect(plan.changedReceivers).toEqual([
      { organId: id("000.00.00.H41"), receiverType: "0" },
      { organId: id("000.00.00.H14"), receiverType: "1" },
    ]);
  });
});

describe("checkSender", () => {
  it("accepts an agency active under its own code", () => {
    const r = checkSender(PHUONG_1, directory, AFTER_REFORM);
    expect(r.ok && r.agency.id).toBe(PHUONG_1);
  });

  it("refuses a closed code even with a successor, naming the successor", () => {
    expect(checkSender(PHUONG_2, directory, AFTER_REFORM)).toEqual({
      ok: false,
      code: "SENDER_INACTIVE",
      message:
        "sender 000.21.30.H45 (Ủy ban nhân dân Phường 2, thành phố Tuy Hòa) closed on 2025-07-01; its successor 000.20.30.H45 (Ủy ban nhân dân Phường 1, thành phố Tuy Hòa) must send under its own code",
    });
    expect(checkSender(PHUONG_2, directory, BEFORE_REFORM).ok).toBe(true);
  });

  it("refuses a closed code without successor", () => {
    const r = checkSender(PHONG_NOI_VU_SONG_CAU, directory, AFTER_REFORM);
    expect(r).toEqual({
      ok: false,
      code: "SENDER_INACTIVE",
      message:
        "sender 000.01.31.H45 (Phòng Nội vụ thị xã Sông Cầu) closed on 2025-07-01 and is not active on 2025-07-15",
    });
  });

  it("refuses an unknown code", () => {
    expect(checkSender(NOWHERE, directory, AFTER_REFORM)).toEqual({
      ok: false,
      code: "SENDER_UNKNOWN",
      message: "sender 000.00.99.H45 is not in the agency directory on 2025-07-15",
    });
  });
});

describe("planRecipients (for a router that has only From and To)", () => {
  it("plans a bare To list as planLetter does", () => {
    const to = [PHUONG_2, NOWHERE, TUY_HOA];
    const plan = planRecipients(SO_NOI_VU, to, directory, AFTER_REFORM);
    const fromLetter = planLetter(letter(SO_NOI_VU, to), directory, AFTER_REFORM);
    expect(plan).toEqual({ deliveries: fromLetter.deliveries, returned: fromLetter.returned });
    expect(plan.deliveries.map((d) => d.recipient)).toEqual([PHUONG_1, TUY_HOA]);
  });
});
