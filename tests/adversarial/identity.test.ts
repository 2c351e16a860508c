import { parseOrganId } from "@edoc/directory";
import { buildStatus } from "@edoc/edxml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, TestHub } from "../support/hub.js";
import { edxmlTime, letterXml, sign, statusPacket } from "../support/letters.js";
import {
  CLOSED_DEPT,
  COMMUNE,
  DEPT,
  DISTRICT,
  eventually,
  expectLogged,
  expectNeverStored,
  expectRefusal,
  HOSTED,
  inbox,
  KHCN,
  normalLetterGoesThrough,
  OTHER,
  post,
  SONG_CAU,
  SONG_CAU_DIVISION,
  UNKNOWN,
  WARD2,
} from "./support.js";

// Identity and routing abuse: who a letter claims to be from, who it goes to, statuses about
// letters that are not yours, and replays.
const hub = new TestHub({
  agencies: [COMMUNE, DISTRICT, HOSTED, DEPT, OTHER, KHCN, CLOSED_DEPT, SONG_CAU],
  actsFor: { [DISTRICT]: [HOSTED] },
});
const A = (id: string): Agent => hub.agent(id);
const MARKER = "ADV-ID";
let counter = 0;
/** DocumentIds of letters refused outright: none may ever show up in an inbox or a sent list. */
const refusedLetters = new Set<string>();

/** Builds a letter that the test expects to be refused. */
function refusedLetter(from: string, to: string[]) {
  const l = letter(from, to);
  refusedLetters.add(l.documentId);
  return l;
}

function letter(from: string, to: string[], o: { documentId?: string; subject?: string } = {}) {
  counter++;
  return letterXml(from, to, {
    documentId: o.documentId ?? `${from},2026/01/05,${counter}/${MARKER}-${counter}`,
    ...(o.subject ? { subject: o.subject } : {}),
  });
}

/** Sends a signed letter and returns its hub document id (asserting 202). */
async function accepted(sender: Agent, from: string, to: string[]) {
  const l = letter(from, to);
  const r = await post(hub, sender, sign(A(from), l.xml));
  expect(r.status, r.text).toBe(202);
  const body = r.json<{ hubDocumentId: string; recipients: { recipient: string }[] }>();
  return { ...l, ...body };
}

/** A signed status with any code string, even one buildStatus refuses to write. */
function status(reporter: Agent, sender: string, documentId: string, code: string): Buffer {
  const xml = buildStatus({
    from: { organId: parseOrganId(reporter.organId) },
    responseFor: { organId: parseOrganId(sender), documentId },
    statusCode: "01",
    timestamp: edxmlTime(),
    traces: [],
  }).replace(/<edXML:StatusCode>01</, `<edXML:StatusCode>${code}<`);
  return sign(reporter, xml);
}

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("who a letter is from", () => {
  it("From must be the authenticated agency (or one it acts for): SENDER_NOT_AUTHORISED", async () => {
    // The commune's system submits the department's genuinely signed letter.
    const r = await post(hub, A(COMMUNE), sign(A(DEPT), refusedLetter(DEPT, [OTHER]).xml));
    const refusal = expectRefusal(r, 403, "SENDER_NOT_AUTHORISED");
    expect(refusal.message).toContain(DEPT);
    // Acts-for is one way: the hosted commune cannot send for the district hosting it.
    const back = await post(hub, A(HOSTED), sign(A(DISTRICT), refusedLetter(DISTRICT, [DEPT]).xml));
    expectRefusal(back, 403, "SENDER_NOT_AUTHORISED");
    // The district may send for the commune it hosts.
    const ok = await post(hub, A(DISTRICT), sign(A(HOSTED), letter(HOSTED, [DEPT]).xml));
    expect(ok.status, ok.text).toBe(202);
  });

  it("a closed agency cannot send under its old code, even with a valid certificate: SENDER_INACTIVE", async () => {
    const closedDept = await post(
      hub,
      A(CLOSED_DEPT),
      sign(A(CLOSED_DEPT), refusedLetter(CLOSED_DEPT, [DEPT]).xml),
    );
    // The message names the successor to send as.
    expect(expectRefusal(closedDept, 403, "SENDER_INACTIVE").message).toContain(KHCN);
    const songCau = await post(
      hub,
      A(SONG_CAU),
      sign(A(SONG_CAU), refusedLetter(SONG_CAU, [DEPT]).xml),
    );
    expectRefusal(songCau, 403, "SENDER_INACTIVE");
  });
});

describe("who a letter goes to", () => {
  it("an unknown recipient: RECIPIENT_UNKNOWN, naming it", async () => {
    const r = await post(
      hub,
      A(COMMUNE),
      sign(A(COMMUNE), refusedLetter(COMMUNE, [DEPT, UNKNOWN]).xml),
    );
    expect(expectRefusal(r, 422, "RECIPIENT_UNKNOWN").message).toContain(UNKNOWN);
  });

  it("a closed recipient with no successor: RECIPIENT_INACTIVE; one with a successor is delivered there", async () => {
    const r = await post(
      hub,
      A(COMMUNE),
      sign(A(COMMUNE), refusedLetter(COMMUNE, [DEPT, SONG_CAU_DIVISION]).xml),
    );
    expect(expectRefusal(r, 422, "RECIPIENT_INACTIVE").message).toContain(SONG_CAU_DIVISION);
    const moved = await accepted(A(COMMUNE), COMMUNE, [CLOSED_DEPT]);
    expect(moved.recipients.map((x) => x.recipient)).toEqual([KHCN]);
    await eventually(
      () => inbox(hub, A(KHCN)),
      (xs) => xs.some((x) => x.hubDocumentId === moved.hubDocumentId),
      "delivery to the successor",
    );
  });

  it("a letter only to its sender: NO_RECIPIENT", async () => {
    const r = await post(hub, A(COMMUNE), sign(A(COMMUNE), refusedLetter(COMMUNE, [COMMUNE]).xml));
    expectRefusal(r, 422, "NO_RECIPIENT");
  });

  it("a recipient listed twice, or twice through a successor code, gets one delivery", async () => {
    const twice = await accepted(A(COMMUNE), COMMUNE, [DEPT, DEPT]);
    expect(twice.recipients.map((x) => x.recipient)).toEqual([DEPT]);
    // Phường 2 (closed in 2025) now is Phường 1: addressed both ways, Phường 1 gets it once.
    const viaSuccessor = await accepted(A(DEPT), DEPT, [WARD2, COMMUNE]);
    expect(viaSuccessor.recipients).toEqual([
      { addressedTo: WARD2, recipient: COMMUNE, via: [COMMUNE] },
    ]);
    await normalLetterGoesThrough(hub, A(COMMUNE), A(DEPT)); // routing had time to act
    const dept = await inbox(hub, A(DEPT));
    expect(dept.filter((x) => x.hubDocumentId === twice.hubDocumentId)).toHaveLength(1);
    const commune = await inbox(hub, A(COMMUNE));
    expect(commune.filter((x) => x.hubDocumentId === viaSuccessor.hubDocumentId)).toHaveLength(1);
  });
});

describe("statuses", () => {
  it("about a letter the reporter never received: answered exactly like an unknown letter", async () => {
    const l = await accepted(A(COMMUNE), COMMUNE, [DEPT]);
    const notMine = await post(
      hub,
      A(OTHER),
      status(A(OTHER), COMMUNE, l.documentId, "01"),
      "/statuses",
    );
    const unknown = await post(
      hub,
      A(OTHER),
      status(A(OTHER), COMMUNE, `${COMMUNE},2026/01/05,999999/${MARKER}-NONE`, "01"),
      "/statuses",
    );
    const a = expectRefusal(notMine, 404, "STATUS_UNKNOWN_DOCUMENT");
    const b = expectRefusal(unknown, 404, "STATUS_UNKNOWN_DOCUMENT");
    // Same wording apart from the DocumentId: nothing tells the two apart.
    expect(a.message.replace(l.documentId, "X")).toBe(
      b.message.replace(`${COMMUNE},2026/01/05,999999/${MARKER}-NONE`, "X"),
    );
  });

  it("codes out of range: 99 breaks the edXML rules, 07 is not in QCVN 102's list", async () => {
    const l = await accepted(A(COMMUNE), COMMUNE, [DEPT]);
    const r99 = await post(hub, A(DEPT), status(A(DEPT), COMMUNE, l.documentId, "99"), "/statuses");
    expectRefusal(r99, 422, "EDXML_INVALID");
    for (const code of ["7", "07", "12"]) {
      const r = await post(hub, A(DEPT), status(A(DEPT), COMMUNE, l.documentId, code), "/statuses");
      expectRefusal(r, 422, "STATUS_UNKNOWN");
    }
  });

  it("order (docs/routing.md): 02 after 03 goes backwards; 06 with no 01 before it is a skip forward", async () => {
    const l = await accepted(A(COMMUNE), COMMUNE, [DEPT]);
    const send = (code: string) =>
      post(hub, A(DEPT), statusPacket(A(DEPT), COMMUNE, l.documentId, code), "/statuses");
    expect((await send("01")).status).toBe(202);
    expect((await send("03")).status).toBe(202);
    // A late redelivery of an older code is a duplicate, not a refusal...
    const late = await send("01");
    expect(late.status, late.text).toBe(200);
    expect(late.json<{ outcome: string }>().outcome).toBe("duplicate");
    // ...but 02 (refused at reception) cannot follow 03 (registered).
    expectRefusal(await send("02"), 409, "STATUS_OUT_OF_ORDER");
    expect((await send("06")).status).toBe(202);
    // After 06 (finished) only 13, 15 or 16 may follow.
    expectRefusal(await send("05"), 409, "STATUS_OUT_OF_ORDER");

    const other = await accepted(A(COMMUNE), COMMUNE, [DEPT]);
    const finished = await post(
      hub,
      A(DEPT),
      statusPacket(A(DEPT), COMMUNE, other.documentId, "06"),
      "/statuses",
    );
    expect(finished.status, finished.text).toBe(202);
  });

  it("roles: a recipient cannot ask to take a letter back (13); another system cannot report for it", async () => {
    const l = await accepted(A(COMMUNE), COMMUNE, [DEPT]);
    const take = await post(
      hub,
      A(DEPT),
      statusPacket(A(DEPT), COMMUNE, l.documentId, "13"),
      "/statuses",
    );
    expectRefusal(take, 409, "STATUS_NOT_ALLOWED_FOR_ROLE");
    const proxy = await post(
      hub,
      A(OTHER),
      statusPacket(A(DEPT), COMMUNE, l.documentId, "01"),
      "/statuses",
    );
    expectRefusal(proxy, 403, "SENDER_NOT_AUTHORISED");
  });

  it("a packet sent to the other endpoint: WRONG_ENDPOINT", async () => {
    const l = await accepted(A(COMMUNE), COMMUNE, [DEPT]);
    const s = statusPacket(A(DEPT), COMMUNE, l.documentId, "01");
    expectRefusal(await post(hub, A(DEPT), s, "/documents"), 400, "WRONG_ENDPOINT");
    const again = sign(A(COMMUNE), refusedLetter(COMMUNE, [DEPT]).xml);
    expectRefusal(await post(hub, A(COMMUNE), again, "/statuses"), 400, "WRONG_ENDPOINT");
  });
});

describe("replay (protection is per sender and DocumentId)", () => {
  it("the same signed bytes again: the original receipt, one delivery", async () => {
    const l = letter(COMMUNE, [DEPT]);
    const bytes = sign(A(COMMUNE), l.xml);
    const first = await post(hub, A(COMMUNE), bytes);
    const again = await post(hub, A(COMMUNE), bytes);
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    const f = first.json<{ hubDocumentId: string; receipt: string }>();
    const g = again.json<{ hubDocumentId: string; receipt: string; outcome: string }>();
    expect(g).toMatchObject({
      outcome: "duplicate",
      hubDocumentId: f.hubDocumentId,
      receipt: f.receipt,
    });
    // Replayed by a system that does not act for the sender: refused outright.
    expectRefusal(await post(hub, A(OTHER), bytes), 403, "SENDER_NOT_AUTHORISED");
    await normalLetterGoesThrough(hub, A(COMMUNE), A(DEPT));
    const deliveries = (await inbox(hub, A(DEPT))).filter(
      (x) => x.hubDocumentId === f.hubDocumentId,
    );
    expect(deliveries).toHaveLength(1);
  });

  it("the same DocumentId with other bytes is a conflict; a re-signed copy under a new DocumentId is a new letter", async () => {
    const l = letter(COMMUNE, [DEPT], { subject: "Bản gốc" });
    const first = await post(hub, A(COMMUNE), sign(A(COMMUNE), l.xml));
    expect(first.status).toBe(202);
    const changed = letter(COMMUNE, [DEPT], { documentId: l.documentId, subject: "Bản sửa" });
    expectRefusal(
      await post(hub, A(COMMUNE), sign(A(COMMUNE), changed.xml)),
      409,
      "DOCUMENT_CONFLICT",
    );
    // Changing the DocumentId in the signed bytes breaks the signature...
    refusedLetters.add(`${l.documentId}-2`);
    const tampered = sign(A(COMMUNE), l.xml)
      .toString("utf8")
      .replace(l.documentId, `${l.documentId}-2`);
    expectRefusal(await post(hub, A(COMMUNE), tampered), 422, "SIGNATURE_INVALID");
    // ...so a "replay" under a new DocumentId needs the sender's key: it is a new letter.
    const copy = letter(COMMUNE, [DEPT], {
      documentId: `${l.documentId}-copy`,
      subject: "Bản gốc",
    });
    const second = await post(hub, A(COMMUNE), sign(A(COMMUNE), copy.xml));
    expect(second.status, second.text).toBe(202);
    expect(second.json<{ hubDocumentId: string }>().hubDocumentId).not.toBe(
      first.json<{ hubDocumentId: string }>().hubDocumentId,
    );
  });

  it("revoking a letter that is not yours: ORIGINAL_UNKNOWN", async () => {
    const theirs = await accepted(A(DEPT), DEPT, [OTHER]);
    const revoke = letterXml(COMMUNE, [OTHER], {
      docType: "revoke",
      documentId: theirs.documentId,
    });
    expectRefusal(
      await post(hub, A(COMMUNE), sign(A(COMMUNE), revoke.xml)),
      404,
      "ORIGINAL_UNKNOWN",
    );
  });
});

describe("afterwards", () => {
  it("nothing refused was stored, and the refusals are logged", async () => {
    await normalLetterGoesThrough(hub, A(DEPT), A(COMMUNE));
    const viewers = [COMMUNE, DEPT, OTHER, DISTRICT, KHCN].map(A);
    expect(refusedLetters.size).toBeGreaterThan(8);
    await expectNeverStored(hub, viewers, (id) => refusedLetters.has(id));
    // Refused statuses: the sender never received a 02, a 07–12 or a 99, the recipient no 13.
    const statuses = (await inbox(hub, A(COMMUNE))).filter((x) => x.kind === "status");
    expect(statuses.filter((x) => ["02", "07", "12", "99"].includes(x.statusCode ?? ""))).toEqual(
      [],
    );
    const deptStatuses = (await inbox(hub, A(DEPT))).filter((x) => x.kind === "status");
    expect(deptStatuses).toEqual([]);
    expect((await inbox(hub, A(OTHER))).filter((x) => x.kind === "status")).toEqual([]);
    for (const code of [
      "SENDER_NOT_AUTHORISED",
      "SENDER_INACTIVE",
      "RECIPIENT_UNKNOWN",
      "RECIPIENT_INACTIVE",
      "NO_RECIPIENT",
      "STATUS_UNKNOWN_DOCUMENT",
      "STATUS_UNKNOWN",
      "STATUS_OUT_OF_ORDER",
      "STATUS_NOT_ALLOWED_FOR_ROLE",
      "WRONG_ENDPOINT",
      "DOCUMENT_CONFLICT",
      "ORIGINAL_UNKNOWN",
    ]) {
      await expectLogged(hub, code);
    }
  });
});
