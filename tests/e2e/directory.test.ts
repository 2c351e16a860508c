import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request } from "node:https";
import { join } from "node:path";
import { type Receipt, verifyChain } from "@edoc/receipts";
import { vietnamDay } from "@edoc/vntime";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amqpUrl, mongoUrl } from "../support/env.js";
import { type Agent, api, type ConsoleUser, repoRoot, TestHub } from "../support/hub.js";
import { letterXml, sign } from "../support/letters.js";

// The directory changed live (issue 14): the real `edoc directory` CLI changes it through the
// archive while gateway, router and console run; a letter sent right after reaches the new
// agency and, for the closed one, its successor, with no restart. Periodic checks are set to
// ten minutes, so only the directory.changed broadcast can have made the services notice.
const SENDER = "000.00.02.H45"; // Sở Nội vụ
const NEW = "000.24.30.H45"; // a commune of TP Tuy Hòa, not in the demo network
const CLOSING = "000.00.03.H45"; // Sở Tài chính, closed with a successor
const SUCCESSOR = "000.00.01.H45"; // Văn phòng UBND tỉnh
const OPERATOR: ConsoleUser = {
  username: "lan",
  password: "mat-khau-thu-nghiem-1",
  role: "operator",
};

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

/** The built `edoc` CLI against this hub's broker and prefix. */
function edoc(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, "packages", "cli", "dist", "main.js"), ...args, "--prefix", hub.prefix],
    { encoding: "utf8", env: { ...process.env, EDOC_AMQP_URL: amqpUrl, USER: "lan" } },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function get(
  port: number,
  path: string,
  tls: boolean,
  cookie = "",
): Promise<{ status: number; body: string; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = (tls ? request : httpRequest)(
      {
        host: "127.0.0.1",
        port,
        path,
        servername: "localhost",
        ca: hub.chainPem,
        // A fresh connection each time: a kept-alive one may be closed by the server mid-poll.
        agent: false,
        headers: { host: `localhost:${port}`, ...(cookie ? { cookie } : {}) },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body, cookies: res.headers["set-cookie"] ?? [] }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The directory version a service's ops endpoint reports (`edoc_directory_version`). */
async function versionAt(port: number): Promise<number> {
  const r = await get(port, "/metrics", false);
  const m = /^edoc_directory_version\{[^}]*\} (\d+)$/m.exec(r.body);
  return m ? Number(m[1]) : -1;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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

    const added = edoc(...ADD_NEW);
    expect(added.stderr).toBe("");
    expect([added.status, added.stdout]).toEqual([
      0,
      expect.stringMatching(/^directory version 2: add by lan/),
    ]);
    // Closed from yesterday (a Vietnam day), so it is closed whichever calendar day lookups use.
    const yesterday = vietnamDay(new Date(Date.now() - 86_400_000));
    const closed = edoc(
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
    expect([closed.status, closed.stdout]).toEqual([
      0,
      expect.stringMatching(/^directory version 3: close by hung/),
    ]);
    expect(edoc(...ADD_NEW).stdout).toMatch(/^unchanged/);

    // Gateway, router and console all run version 3 within seconds, told by the broadcast.
    for (const p of ports)
      await until(`version 3 on :${p}`, async () =>
        (await versionAt(p)) === 3 ? true : undefined,
      );

    const both = await send([NEW, CLOSING]);
    expect(both.status).toBe(202);
    const id = both.body.hubDocumentId;
    await until("the new agency's delivery", async () =>
      (await inboxHas(NEW, id)) ? true : undefined,
    );
    await until("the successor's delivery", async () =>
      (await inboxHas(SUCCESSOR, id)) ? true : undefined,
    );
    expect(await inboxHas(CLOSING, id)).toBe(false);
    const trace = (await api(hub, A(SENDER), "GET", `/documents/${id}/trace`)).json() as {
      recipients: { recipient: string }[];
    };
    // The gateway resolves successors when it accepts (the acceptance receipt names who gets it).
    expect(trace.recipients.map((r) => r.recipient).sort()).toEqual([SUCCESSOR, NEW].sort());

    const shown = edoc("directory", "show", CLOSING);
    expect(shown.status).toBe(0);
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
    expect(edoc("directory", "export", "-o", file).status).toBe(0);
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
    const imported = edoc("directory", "import", tsv);
    expect([imported.status, imported.stdout]).toEqual([
      0,
      expect.stringMatching(
        /^directory version 4: import by lan .* from directory\.tsv: 1 added, 0 changed \(000\.25\.30\.H45\)/,
      ),
    ]);
    const listed = edoc("directory", "list", "--search", "an phú", "--json");
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: "000.25.30.H45" })]);

    // Without the successor the closed agency points at, the set cannot be loaded: refused.
    const broken = rows.filter((r) => !r.startsWith(`${SUCCESSOR}\t`));
    writeFileSync(tsv, `${cols.join("\t")}\n${broken.join("\n")}\n`);
    const refused = edoc("directory", "import", tsv);
    expect([refused.status, refused.stderr]).toEqual([
      1,
      expect.stringContaining("DIRECTORY_INVALID"),
    ]);
    writeFileSync(tsv, `${cols.join("\t")}\n28.22.H17\tX\tcommune\t\t2020-01-01\t\t\t\n`);
    const malformed = edoc("directory", "import", tsv);
    expect([malformed.status, malformed.stderr]).toEqual([2, expect.stringContaining("line 2")]);
  });

  it("shows the agencies and the history of changes in the console", async () => {
    const cookie = await logIn();
    const list = await get(
      hub.consolePort,
      `/agencies?q=${encodeURIComponent("phường 4")}`,
      true,
      cookie,
    );
    expect(list.status).toBe(200);
    expect(list.body).toContain(NEW);
    expect(list.body).toContain("1 cơ quan");
    expect(list.body).toMatch(/Phiên bản 4/);
    const one = await get(hub.consolePort, `/agencies/${CLOSING}`, true, cookie);
    expect(one.status).toBe(200);
    expect(one.body).toContain("theo mã kế thừa");
    expect(one.body).toContain("hung");
    expect(one.body).toMatch(/Ngừng hoạt động/);
  });
});

/** Logs in as the operator through the console's own form (CSRF token and login cookie). */
async function logIn(): Promise<string> {
  const form = await get(hub.consolePort, "/login", true);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? "";
  const loginCookie = form.cookies.map((c) => c.split(";")[0]).join("; ");
  const body = new URLSearchParams({
    username: OPERATOR.username,
    password: OPERATOR.password,
    _csrf: token,
    next: "/agencies",
  }).toString();
  const session = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: hub.consolePort,
        path: "/login",
        method: "POST",
        servername: "localhost",
        ca: hub.chainPem,
        headers: {
          host: `localhost:${hub.consolePort}`,
          origin: `https://localhost:${hub.consolePort}`,
          cookie: loginCookie,
          "content-type": "application/x-www-form-urlencoded",
        },
      },
      (res) => {
        res.resume();
        const set = (res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0] ?? "");
        resolve(set.filter((c) => c.startsWith("__Host-edoc_console=")).join("; "));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
  expect(session).toMatch(/^__Host-edoc_console=.+/);
  return session;
}
