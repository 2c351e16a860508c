import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, TestHub } from "../support/hub.js";
import { sign } from "../support/letters.js";
import {
  CORPUS_DIR,
  CORPUS_LIMITS,
  type GeneratedCase,
  MARKER,
  makeCorpus,
  manifest,
  RECIPIENT,
  SENDER,
  writeCorpus,
} from "./make-corpus.js";
import {
  call,
  expectLogged,
  expectNeverStored,
  expectRefusal,
  normalLetterGoesThrough,
  type Reply,
} from "./support.js";
import { xmlsecSign } from "./xmlsec.js";

// Bad input, from the generated corpus (tests/adversarial/corpus/cases.json): every file gets its
// 4xx and stable code, the gateway keeps serving, nothing is stored, and each refusal is logged.
if (process.env.UPDATE_CORPUS === "1") writeCorpus();
const cases = makeCorpus();

const hub = new TestHub({
  agencies: [SENDER, RECIPIENT],
  env: {
    EDOC_MAX_PACKET_BYTES: String(CORPUS_LIMITS.maxPacketBytes),
    EDOC_MAX_ATTACHMENT_BYTES: String(CORPUS_LIMITS.maxAttachmentBytes),
  },
});
const A = (id: string): Agent => hub.agent(id);
const replies = new Map<string, Reply>();

beforeAll(async () => {
  await hub.start();
}, 120_000);
afterAll(async () => {
  await hub.stop();
});

function bytesToSend(c: GeneratedCase): Buffer {
  if (c.sign === "edoc") return sign(A(SENDER), c.bytes.toString("utf8"));
  if (c.sign === "xmlsec1") return xmlsecSign(c.bytes.toString("utf8"), A(SENDER));
  return c.bytes;
}

describe("the corpus", () => {
  it("is what make-corpus.ts generates: committed files and manifest match byte for byte", () => {
    expect(readFileSync(join(CORPUS_DIR, "cases.json"), "utf8")).toBe(manifest(cases));
    for (const c of cases) {
      const path = join(CORPUS_DIR, c.file);
      expect(existsSync(path), c.file).toBe(c.committed);
      if (c.committed) expect(readFileSync(path).equals(c.bytes), c.file).toBe(true);
    }
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    "%s: refused with its status and code",
    async (_name, c) => {
      const reply = await call(hub, {
        agent: A(SENDER),
        path: c.endpoint,
        body: bytesToSend(c),
        headers: { "content-type": c.contentType },
      });
      replies.set(c.name, reply);
      expectRefusal(reply, c.status, c.code);
    },
  );

  it("the 1212 refusal says what it saw; the XXE refusal never carries the file", () => {
    expect(replies.get("stray-1212")?.text).toContain("1212");
    const passwd = readFileSync("/etc/passwd", "utf8").split("\n")[0] ?? "root:x:0:0";
    for (const [name, r] of replies) {
      expect(r.text.includes(passwd), name).toBe(false);
      expect(r.text.includes("root:x:0"), name).toBe(false);
    }
  });
});

describe("beyond the corpus: how the body arrives", () => {
  it("a Content-Length far over the limit is refused before the body is read, and the connection closed", async () => {
    const reply = await call(hub, {
      agent: A(SENDER),
      path: "/documents",
      body: "<edXML/>",
      headers: { "content-length": 10 * CORPUS_LIMITS.maxPacketBytes },
    });
    expectRefusal(reply, 413, "PAYLOAD_TOO_LARGE");
    expect(reply.headers.connection).toBe("close");
  });

  it("a chunked upload (no Content-Length) is cut off once it passes the limit", async () => {
    const chunk = Buffer.alloc(64 * 1024, "<!-- padding -->");
    const reply = await call(hub, {
      agent: A(SENDER),
      path: "/documents",
      body: Buffer.concat(Array.from({ length: 20 }, () => chunk)),
      headers: { "transfer-encoding": "chunked" },
    });
    expectRefusal(reply, 413, "PAYLOAD_TOO_LARGE");
  });
});

describe("afterwards", () => {
  it("the gateway still serves a normal letter, and no corpus packet was stored anywhere", async () => {
    await normalLetterGoesThrough(hub, A(SENDER), A(RECIPIENT));
    await expectNeverStored(hub, [A(SENDER), A(RECIPIENT)], (id) => id.includes(MARKER));
  });

  it("every refusal is in the gateway's log with its code", async () => {
    for (const code of new Set(cases.map((c) => c.code))) await expectLogged(hub, code);
  });
});
