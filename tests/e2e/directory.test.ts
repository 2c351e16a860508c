import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { type Receipt, verifyChain } from "@edoc/receipts";
import { vietnamDay } from "@edoc/vntime";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edoc } from "../support/cli.js";
import { ConsoleClient } from "../support/console.js";
import { mongoUrl, waitUntil } from "../support/env.js";
import { type Agent, api, consoleUser, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";

// The directory changed live (issue 14): the real `edoc directory` CLI changes it through the
// archive while gateway, router and console run; a letter sent right after reaches the new
// agency and, for the closed one, its successor, with no restart. Periodic checks are set to
// ten minutes, so only the directory.changed broadcast can have made the services notice.
const SENDER = "000.00.02.H45"; // Sở Nội vụ
const NEW = "000.24.30.H45"; // a commune of TP Tuy Hòa, not in the demo network
const CLOSING = "000.00.03.H45"; // Sở Tài chính, closed with a successor
const SUCCESSOR = "000.00.01.H45"; // Văn phòng UBND tỉnh
const OPERATOR = consoleUser("lan", "operator");

const ADD_NEW = [
  "directory",
  "add",
  NEW,
  "--name",
  "Ủy ban nhân dân Phường 4, thành phố Tuy Hòa",
  "--tier",
  "commune",
  "--parent",
  "000.00.30.H45",
  "--from",
  "2020-01-01",
  "--actor",
  "lan",
];

const hub = new TestHub({
  agencies: [SENDER, NEW, CLOSING, SUCCESSOR],
  console: { users: [OPERATOR] },
  env: { EDOC_DIRECTORY_CHECK_MS: "600000" },
});
const A = (id: string): Agent => hub.agent(id);

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

/** The built `edoc` CLI against this hub's broker prefix. */
const cli = (...args: string[]) => edoc(...args, "--prefix", hub.prefix);

/** One plain HTTP GET (the services' loopback ops endpoints), on a fresh connection. */
function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // agent: false: a kept-alive socket may be closed by the server mid-poll.
    const req = httpRequest({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The directory version a service's ops endpoint reports (`edoc_directory_version`). */
async function versionAt(port: number): Promise<number> {
  const m = /^edoc_directory_version\{[^}]*\} (\d+)$/m.exec(await get(port, "/metrics"));
  return m ? Number(m[1]) : -1;
}

async function send(to: string[]) {
  const { xml } = letterXml(SENDER, to);
  const r = await api(hub, A(SENDER), "POST", "/documents", sign(A(SENDER), xml));
  return { status: r.status, body: r.json() as { hubDocumentId: string; code?: string } };
}

async function inboxHas(who: string, hubDocumentId: string): Promise<boolean> {
  const r = await api(hub, A(who), "GET", "/inbox?state=all");
  const items = (r.json() as { items: { hubDocumentId: string }[] }).items;
  return items.some((i) => i.hubDocumentId === hubDocumentId);
}

describe("the directory changed live", () => {
  it("adds an agency and closes another with a successor; letters follow at once, no restart", async () => {
    const before = await send([NEW]);
    expect([before.status, before.body.code]).toEqual([422, "RECIPIENT_UNKNOWN"]);
    const ports = [hub.opsPort, hub.routerOpsPort, hub.consoleOpsPort];
    for (const p of ports) expect(await versionAt(p)).toBe(1);

    const added = await cli(...ADD_NEW);
    expect(added.stderr).toBe("");
    expect([added.code, added.stdout]).toEqual([
      0,
      expect.stringMatching(/^directory version 2: add by lan/),
    ]);
    // Closed from yesterday (a Vietnam day), so it is closed whichever calendar day lookups use.
    const yesterday = vietnamDay(new Date(Date.now() - 86_400_000));
    const closed = await cli(
      "directory",
      "close",
      CLOSING,
      "--successor",
      SUCCESSOR,
      "--on",
      yesterday,
      "--actor",
      "hung",
    );
    expect([closed.code, closed.stdout]).toEqual([
      0,
      expect.stringMatching(/^directory version 3: close by hung/),
    ]);
    expect((await cli(...ADD_NEW)).stdout).toMatch(/^unchanged/);

    // Gateway, router and console all run version 3 within seconds, told by the broadcast.
    for (const p of ports)
      await waitUntil(`version 3 on :${p}`, async () =>
        (await versionAt(p)) === 3 ? true : undefined,
      );

    const both = await send([NEW, CLOSING]);
    expect(both.status).toBe(202);
    const id = both.body.hubDocumentId;
    await waitUntil("the new agency's delivery", async () =>
      (await inboxHas(NEW, id)) ? true : undefined,
    );
    await waitUntil("the successor's delivery", async () =>
      (await inboxHas(SUCCESSOR, id)) ? true : undefined,
    );
    expect(await inboxHas(CLOSING, id)).toBe(false);
    const trace = (await api(hub, A(SENDER), "GET", `/documents/${id}/trace`)).json() as {
      recipients: { recipient: string }[];
    };
    // The gateway resolves successors when it accepts (the acceptance receipt names who gets it).
    expect(trace.recipients.map((r) => r.recipient).sort()).toEqual([SUCCESSOR, NEW].sort());

    const shown = await cli("directory", "show", CLOSING);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`letters to ${CLOSING} go to ${SUCCESSOR}`);
    expect(shown.stdout).toMatch(/version 3: close by hung/);
  }, 90_000);

  it("records every change as a receipt in the verified chain, with who and the set's digest", async () => {
    const client = await MongoClient.connect(mongoUrl);
    try {
      const docs = await client
        .db(hub.dbName)
        .collection<Receipt & { _id: string }>("receipts")
        .find({})
        .sort({ seq: 1 })
        .toArray();
      const chain = docs.map(({ _id, ...r }) => r);
      expect(verifyChain(chain)).toMatchObject({ ok: true });
      const changes = chain.filter((r) => r.type === "directory-changed");
      expect(changes.map((r) => [r.hubDocumentId, r.data?.op, r.data?.actor, r.organId])).toEqual([
        ["directory-v1", "seed", "hub", undefined],
        ["directory-v2", "add", "lan", NEW],
        ["directory-v3", "close", "hung", CLOSING],
      ]);
      const versions = await client
        .db(hub.dbName)
        .collection("directoryVersions")
        .find({})
        .sort({ _id: 1 })
        .toArray();
      expect(versions.map((v) => v.digest)).toEqual(changes.map((r) => r.digest));
      expect(versions.map((v) => v.receiptId)).toEqual(changes.map((r) => r.id));
    } finally {
      await client.close();
    }
  });

  it("exports the set and imports an edited TSV of it as one new version; a bad set is refused", async () => {
    const file = join(hub.dir, "directory-export.json");
    expect((await cli("directory", "export", "-o", file)).code).toBe(0);
    const exported = JSON.parse(readFileSync(file, "utf8")) as {
      agencies: Record<string, string>[];
    };
    const cols = ["id", "name", "tier", "parent", "validFrom", "validTo", "successor", "email"];
    const extra: Record<string, string> = {
      id: "000.25.30.H45",
      name: "Ủy ban nhân dân xã An Phú",
      tier: "commune",
      parent: "000.00.30.H45",
      validFrom: "2021-01-01",
    };
    const rows = [...exported.agencies, extra].map((a) => cols.map((c) => a[c] ?? "").join("\t"));
    const tsv = join(hub.dir, "directory.tsv");
    writeFileSync(tsv, `${cols.join("\t")}\n${rows.join("\n")}\n`);
    const imported = await cli("directory", "import", tsv, "--actor", "lan");
    expect([imported.code, imported.stdout]).toEqual([
      0,
      expect.stringMatching(
        /^directory version 4: import by lan .* from directory\.tsv: 1 added, 0 changed \(000\.25\.30\.H45\)/,
      ),
    ]);
    const listed = await cli("directory", "list", "--search", "an phú", "--json");
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: "000.25.30.H45" })]);

    // Without the successor the closed agency points at, the set cannot be loaded: refused.
    const broken = rows.filter((r) => !r.startsWith(`${SUCCESSOR}\t`));
    writeFileSync(tsv, `${cols.join("\t")}\n${broken.join("\n")}\n`);
    const refused = await cli("directory", "import", tsv, "--actor", "lan");
    expect([refused.code, refused.stderr]).toEqual([
      1,
      expect.stringContaining("DIRECTORY_INVALID"),
    ]);
    writeFileSync(tsv, `${cols.join("\t")}\n28.22.H17\tX\tcommune\t\t2020-01-01\t\t\t\n`);
    const malformed = await cli("directory", "import", tsv);
    expect([malformed.code, malformed.stderr]).toEqual([2, expect.stringContaining("line 2")]);
  });

  it("shows the agencies and the history of changes in the console", async () => {
    const operator = new ConsoleClient(hub);
    await operator.logIn(OPERATOR, "/agencies");
    const list = await operator.request("GET", `/agencies?q=${encodeURIComponent("phường 4")}`);
    expect(list.status).toBe(200);
    expect(list.body).toContain(NEW);
    expect(list.body).toContain("1 cơ quan");
    expect(list.body).toMatch(/Phiên bản 4/);
    const one = await operator.request("GET", `/agencies/${CLOSING}`);
    expect(one.status).toBe(200);
    expect(one.body).toContain("theo mã kế thừa");
    expect(one.body).toContain("hung");
    expect(one.body).toMatch(/Ngừng hoạt động/);
  });
});
