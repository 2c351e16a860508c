import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseLetter, parseStatus } from "@edoc/edxml";
import { edxmlDate, parseEdxmlTime } from "@edoc/vntime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edoc } from "../support/cli.js";
import { type Agent, api, TestHub } from "../support/hub.js";

// What the official edXML library (EdXML102) expects of a hub, end to end on real processes with
// the real `edoc` CLI: statuses the hub's tools build carry Vietnam-time Timestamps and the
// letter's Code/PromulgationDate/StaffInfo, `edoc send` submits status files, attachments
// declared zip are zips, and an undeclared xlink: prefix is read and its signature holds.
const DEPT = "000.00.02.H45"; // Sở Nội vụ
const COMMUNE = "000.20.30.H45"; // UBND Phường 1, TP Tuy Hòa

const hub = new TestHub({ agencies: [DEPT, COMMUNE] });
const file = (name: string) => join(hub.dir, name);

/** `--cert/--key/--ca/--gateway` of one agency system, for the CLI. */
function as(organId: string): string[] {
  return [
    ...[
      "--as",
      organId,
      "--cert",
      file(`${organId}.cert.pem`),
      "--key",
      file(`${organId}.key.pem`),
    ],
    ...["--ca", file("chain.pem"), "--gateway", `https://localhost:${hub.port}`],
  ];
}

interface Item {
  deliveryId: string;
  hubDocumentId: string;
  kind: string;
  statusCode?: string;
}

async function waitInbox(who: string, pred: (items: Item[]) => Item | undefined): Promise<Item> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await api(hub, hub.agent(who), "GET", "/inbox?state=all");
    const found = pred((r.json() as { items: Item[] }).items);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`inbox of ${who} never matched`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** A demo letter from DEPT to COMMUNE, edited by `edit`, signed with `edoc sign`. */
async function signedLetter(name: string, edit: (xml: string) => string = (x) => x) {
  const made = await edoc(
    "demo-letter",
    "--from",
    DEPT,
    "--to",
    COMMUNE,
    "-o",
    file(`${name}.xml`),
  );
  expect(made.code, made.stderr).toBe(0);
  writeFileSync(file(`${name}.xml`), edit(readFileSync(file(`${name}.xml`), "utf8")));
  const signed = await edoc(
    ...["sign", file(`${name}.xml`), "--key", file(`${DEPT}.key.pem`)],
    ...["--cert", file(`${DEPT}.cert.pem`), "-o", file(`${name}.edxml`)],
  );
  expect(signed.code, signed.stderr).toBe(0);
  return file(`${name}.edxml`);
}

beforeAll(async () => {
  await hub.start();
  for (const id of [DEPT, COMMUNE]) {
    const a: Agent = hub.agent(id);
    writeFileSync(file(`${id}.cert.pem`), a.certPem);
    writeFileSync(file(`${id}.key.pem`), a.keyPem, { mode: 0o600 });
  }
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

describe("interop with the official edXML library's expectations", () => {
  it("a status built by the hub's CLI round-trips with a Vietnam-time Timestamp, ResponseFor Code/PromulgationDate and StaffInfo; edoc send submits a status file; the sender's 13 carries them too", async () => {
    const letterFile = await signedLetter("letter");
    const sentAt = new Date();
    const sent = await edoc("send", letterFile, ...as(DEPT));
    expect(sent.code, sent.stderr).toBe(0);
    const { hubDocumentId } = JSON.parse(sent.stdout) as { hubDocumentId: string };
    const letter = parseLetter(readFileSync(letterFile));
    expect(letter.header.promulgation.date).toBe(edxmlDate(sentAt));

    const delivery = await waitInbox(COMMUNE, (items) =>
      items.find((i) => i.hubDocumentId === hubDocumentId && i.kind === "letter"),
    );
    const before = new Date(Math.floor(Date.now() / 1000) * 1000);
    const reported = await edoc(
      ...["status", ...as(COMMUNE), "--document", hubDocumentId, "--code", "03"],
      ...["--description", "Đã vào sổ văn bản đến", "--staff", "Trần Thị Văn Thư"],
      ...["--department", "Văn phòng", "--staff-email", "vanthu@phuong1.example"],
      ...["--staff-mobile", "0912000001"],
    );
    expect(reported.code, reported.stderr).toBe(0);
    const after = new Date();

    // The sender receives the status and reads it back as the official library would.
    const item = await waitInbox(DEPT, (items) =>
      items.find((i) => i.kind === "status" && i.statusCode === "03"),
    );
    const got = await api(hub, hub.agent(DEPT), "GET", `/inbox/${item.deliveryId}/edxml`);
    const status = parseStatus(got.body);
    expect(status.responseFor).toEqual({
      organId: DEPT,
      code: `${letter.header.code.number}/${letter.header.code.notation}`,
      promulgationDate: letter.header.promulgation.date,
      documentId: letter.header.documentId,
    });
    expect(status.staffInfo).toEqual({
      department: "Văn phòng",
      staff: "Trần Thị Văn Thư",
      mobile: "0912000001",
      email: "vanthu@phuong1.example",
    });
    // Written without a zone in Vietnam time: read as +07:00 it is the moment it was made
    // (written in UTC it would land seven hours early).
    const at = parseEdxmlTime(status.timestamp);
    expect(
      at && at >= before && at <= after,
      `${status.timestamp} read as ${at?.toISOString()}`,
    ).toBe(true);

    // A status file (the received letter answered offline, -o), submitted with edoc send.
    const fetched = await edoc(
      "fetch",
      delivery.deliveryId,
      ...as(COMMUNE),
      "-o",
      file("received.edxml"),
    );
    expect(fetched.code, fetched.stderr).toBe(0);
    const written = await edoc(
      ...["status", ...as(COMMUNE), "--letter", file("received.edxml"), "--code", "06"],
      ...["-o", file("status-06.edxml")],
    );
    expect(written.code, written.stderr).toBe(0);
    expect(parseStatus(readFileSync(file("status-06.edxml"))).responseFor.code).toBe(
      status.responseFor.code,
    );
    const posted = await edoc("send", file("status-06.edxml"), ...as(COMMUNE));
    expect(posted.code, posted.stderr).toBe(0);
    expect(JSON.parse(posted.stdout)).toMatchObject({ outcome: "accepted" });
    await waitInbox(DEPT, (items) =>
      items.find((i) => i.kind === "status" && i.statusCode === "06"),
    );

    // The sender withdraws its own letter (13) by hub id alone: ResponseFor comes from its
    // sent-documents listing, Code and PromulgationDate included, with no warning.
    const withdrawn = await edoc(
      ...["status", ...as(DEPT), "--document", hubDocumentId, "--code", "13"],
      ...["-o", file("status-13.edxml")],
    );
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(withdrawn.stderr).not.toContain("lacks");
    expect(parseStatus(readFileSync(file("status-13.edxml"))).responseFor).toEqual(
      status.responseFor,
    );
  });

  it("an attachment declared application/zip that is not a zip is refused at the door, naming it", async () => {
    const bad = await signedLetter("not-zip", (xml) =>
      xml.replaceAll(">text/plain<", ">application/zip<"),
    );
    const r = await edoc("send", bad, ...as(DEPT));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("422 ATTACHMENT_NOT_ZIP: attachment cid:1 (noi-dung.txt)");
  });

  it("an undeclared xlink: prefix on Reference is accepted, its signature verified over the bytes as written, and delivered byte for byte", async () => {
    const withXlink = await signedLetter("xlink", (xml) =>
      xml.replace("<edXML:Reference>", '<edXML:Reference xlink:href="">'),
    );
    const bytes = readFileSync(withXlink);
    expect(bytes.toString("utf8")).toContain('<edXML:Reference xlink:href="">');
    expect(bytes.toString("utf8")).not.toContain("xmlns:xlink");
    const sent = await edoc("send", withXlink, ...as(DEPT));
    expect(sent.code, sent.stderr).toBe(0);
    const { hubDocumentId } = JSON.parse(sent.stdout) as { hubDocumentId: string };
    const delivery = await waitInbox(COMMUNE, (items) =>
      items.find((i) => i.hubDocumentId === hubDocumentId),
    );
    const got = await api(hub, hub.agent(COMMUNE), "GET", `/inbox/${delivery.deliveryId}/edxml`);
    expect(got.body.equals(bytes)).toBe(true);
  });
});
