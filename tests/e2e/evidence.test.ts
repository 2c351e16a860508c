import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edoc } from "../support/cli.js";
import { amqpUrl } from "../support/env.js";
import { type Agent, api, TestHub } from "../support/hub.js";
import { letterXml, sign, statusPacket } from "../support/letters.js";

// An auditor's evidence, end to end on real processes, RabbitMQ and FerretDB: a letter is sent,
// delivered, acknowledged and answered; the operator exports its bundle with `edoc evidence
// export`; the hub is stopped; `edoc evidence verify` checks the bundle offline.
const COMMUNE = "000.20.30.H45"; // UBND Phường 1, TP Tuy Hòa
const DISTRICT = "000.00.30.H45"; // UBND TP Tuy Hòa

const hub = new TestHub({ agencies: [COMMUNE, DISTRICT] });
const A = (id: string): Agent => hub.agent(id);
interface Item {
  deliveryId: string;
  hubDocumentId: string;
  kind: string;
  statusCode?: string;
}

async function waitInbox(who: string, pred: (items: Item[]) => boolean): Promise<Item[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await api(hub, A(who), "GET", "/inbox?state=all");
    const items = (r.json() as { items: Item[] }).items;
    if (pred(items)) return items;
    if (Date.now() > deadline)
      throw new Error(`inbox of ${who} never matched: ${JSON.stringify(items)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

let stopped = false;
beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  if (!stopped) await hub.stop();
});

describe("evidence bundles", () => {
  it("export from the running hub, stop it, verify offline with the root CA; a flipped byte is MANIFEST_DIGEST", async () => {
    // A letter, its delivery, the recipient's ack and a status.
    const { xml, documentId } = letterXml(COMMUNE, [DISTRICT], { subject: "V/v kiểm toán" });
    const bytes = sign(A(COMMUNE), xml);
    const sent = await api(hub, A(COMMUNE), "POST", "/documents", bytes);
    expect(sent.status).toBe(202);
    const doc = (sent.json() as { hubDocumentId: string }).hubDocumentId;
    const item = (await waitInbox(DISTRICT, (xs) => xs.some((x) => x.hubDocumentId === doc))).find(
      (x) => x.hubDocumentId === doc,
    )!;
    expect((await api(hub, A(DISTRICT), "GET", `/inbox/${item.deliveryId}/edxml`)).status).toBe(
      200,
    );
    const ack = await api(
      hub,
      A(DISTRICT),
      "POST",
      `/inbox/${item.deliveryId}/ack`,
      JSON.stringify({ result: "done" }),
      "application/json",
    );
    expect(ack.status).toBe(200);
    const status = await api(
      hub,
      A(DISTRICT),
      "POST",
      "/statuses",
      statusPacket(A(DISTRICT), COMMUNE, documentId, "03"),
    );
    expect(status.status).toBe(202);
    await waitInbox(COMMUNE, (xs) => xs.some((x) => x.kind === "status" && x.statusCode === "03"));

    // Export by the sender's DocumentId, as an auditor's request would name it.
    const zipFile = join(hub.dir, "evidence.zip");
    const exported = await edoc(
      "evidence",
      "export",
      "--document",
      documentId,
      "-o",
      zipFile,
      "--amqp",
      amqpUrl,
      "--prefix",
      hub.prefix,
    );
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`evidence for ${doc}`);
    // By hubDocumentId too; an unknown document is refused (exit 1).
    const byId = await edoc(
      "evidence",
      "export",
      "--document",
      doc,
      "-o",
      join(hub.dir, "evidence-2.zip"),
      "--amqp",
      amqpUrl,
      "--prefix",
      hub.prefix,
    );
    expect(byId.code).toBe(0);
    const unknown = await edoc(
      "evidence",
      "export",
      "--document",
      "000.20.30.H45,2024/01/01,1/NONE",
      "-o",
      join(hub.dir, "none.zip"),
      "--amqp",
      amqpUrl,
      "--prefix",
      hub.prefix,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("DOCUMENT_NOT_FOUND");

    // The hub is gone: what follows reads only the file and the auditor's root.
    await hub.stop();
    stopped = true;
    const root = join(hub.dir, "root-ca.pem");
    writeFileSync(root, hub.pki.root.certificatePem);

    const verified = await edoc("evidence", "verify", zipFile, "--trust", root, "--json");
    const report = JSON.parse(verified.stdout) as {
      valid: boolean;
      checks: { name: string; ok: boolean; code?: string; message: string }[];
      letter: { from: string; to: string[]; documentId: string; subject: string; digest: string };
      receipts: { type: string; organId?: string }[];
      statuses: { code: string; from: string; valid: boolean }[];
    };
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verified.code).toBe(0);
    expect(report.valid).toBe(true);
    expect(report.letter).toMatchObject({
      from: COMMUNE,
      to: [DISTRICT],
      documentId,
      subject: "V/v kiểm toán",
    });
    expect(report.receipts.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        "accepted",
        "routed",
        "available",
        "fetched",
        "acknowledged",
        "status",
      ]),
    );
    expect(report.receipts.find((r) => r.type === "acknowledged")?.organId).toBe(DISTRICT);
    expect(report.statuses).toEqual([
      expect.objectContaining({ code: "03", from: DISTRICT, valid: true }),
    ]);
    const text = await edoc("evidence", "verify", zipFile, "--trust", root);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^VALID: evidence for doc_/);

    // One flipped byte in the letter.
    const files = unzipSync(readFileSync(zipFile));
    const letter = files["letter.edxml"]!;
    const flipped = strToU8(strFromU8(letter).replace("kiểm toán", "kiểm toám"));
    expect(flipped.length).toBe(letter.length);
    files["letter.edxml"] = flipped;
    const bad = join(hub.dir, "evidence-flipped.zip");
    writeFileSync(bad, zipSync(files));
    const refused = await edoc("evidence", "verify", bad, "--trust", root);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^INVALID/);
    expect(refused.stdout).toMatch(/FAIL\s+MANIFEST_DIGEST\s+letter\.edxml: SHA-256 is/);

    // Unreadable input is exit 2.
    writeFileSync(join(hub.dir, "not-a-zip.zip"), "hello");
    expect(
      (await edoc("evidence", "verify", join(hub.dir, "not-a-zip.zip"), "--trust", root)).code,
    ).toBe(2);
  }, 120_000);
});
