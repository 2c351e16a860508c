import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseLetter, parseStatus } from "@edoc/edxml";
import { verifyPacket } from "@edoc/signature";
import { parseEdxmlTime } from "@edoc/vntime";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { demoLetterCommand } from "../src/commands/demo-letter.js";
import { pkiCommand } from "../src/commands/pki.js";
import { statusCommand } from "../src/commands/status.js";
import { run } from "./run.js";

const A = "000.00.02.H45";
const B = "000.20.30.H45";
const scratch = mkdtempSync(join(tmpdir(), "edoc-status-cli-"));
const pki = join(scratch, "pki");
const file = (name: string) => join(scratch, name);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** 00:30 on 1 July 2025 in Hà Nội: still 30 June in UTC. */
const REFORM_NIGHT = new Date("2025-07-01T00:30:00+07:00");

beforeAll(async () => {
  expect((await run(pkiCommand, "init", "--dir", pki)).code).toBe(0);
  expect((await run(pkiCommand, "issue", "--dir", pki, "--organ", B)).code).toBe(0);
});

describe("edoc demo-letter", () => {
  it("writes dates and trace times in Vietnam time (UTC+07:00)", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: REFORM_NIGHT });
    const out = file("letter.edxml");
    expect(
      (await run(demoLetterCommand, "--from", A, "--to", B, "--number", "12", "-o", out)).code,
    ).toBe(0);
    const l = parseLetter(readFileSync(out));
    expect(l.header.promulgation.date).toBe("2025/07/01");
    expect(l.header.documentId).toBe(`${A},2025/07/01,12/DEMO`);
    expect(l.traces).toEqual([{ organId: A, timestamp: "2025/07/01 00:30:00" }]);
    expect(parseEdxmlTime(l.traces[0]?.timestamp ?? "")).toEqual(REFORM_NIGHT);
  });
});

describe("edoc status --letter FILE -o OUT", () => {
  it("answers with the letter's Code and PromulgationDate, StaffInfo, a Vietnam-time Timestamp, signed", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: REFORM_NIGHT });
    await run(demoLetterCommand, "--from", A, "--to", B, "--number", "12", "-o", file("l.edxml"));
    const { code } = await run(
      statusCommand,
      ...["--as", B, "--pki", pki, "--letter", file("l.edxml"), "--code", "3"],
      ...["--description", "Đã vào sổ", "--staff", "Nguyễn Thị Ngọc Trâm"],
      ...["--department", "Văn thư", "--staff-email", "vanthu@phuong1.example"],
      ...["--staff-mobile", "0912000001", "-o", file("status.edxml")],
    );
    expect(code).toBe(0);
    const bytes = readFileSync(file("status.edxml"));
    const s = parseStatus(bytes);
    expect(s.from.organId).toBe(B);
    expect(s.statusCode).toBe("03");
    expect(s.responseFor).toEqual({
      organId: A,
      code: "12/DEMO",
      promulgationDate: "2025/07/01",
      documentId: `${A},2025/07/01,12/DEMO`,
    });
    expect(s.staffInfo).toEqual({
      department: "Văn thư",
      staff: "Nguyễn Thị Ngọc Trâm",
      mobile: "0912000001",
      email: "vanthu@phuong1.example",
    });
    expect(s.timestamp).toBe("2025/07/01 00:30:00");
    expect(s.hasSignature).toBe(true);
    vi.useRealTimers();
    const { report } = await verifyPacket(bytes, {
      trustAnchors: [readFileSync(join(pki, "root-ca.pem"), "utf8")],
      intermediates: [readFileSync(join(pki, "issuing-ca.pem"), "utf8")],
    });
    expect(report.reasons).toEqual([]);
    expect(report.signer?.organIds).toEqual([B]);
  });

  it("without staff options writes no StaffInfo", async () => {
    await run(demoLetterCommand, "--from", A, "--to", B, "-o", file("l2.edxml"));
    const args = ["--as", B, "--pki", pki, "--letter", file("l2.edxml"), "--code", "01"];
    expect((await run(statusCommand, ...args, "-o", file("s2.edxml"))).code).toBe(0);
    expect(parseStatus(readFileSync(file("s2.edxml"))).staffInfo).toBeUndefined();
  });

  it("refuses a status file given as the letter, a bad code, and both or neither of --document/--letter", async () => {
    await run(demoLetterCommand, "--from", A, "--to", B, "-o", file("l3.edxml"));
    const base = ["--as", B, "--pki", pki];
    await run(
      statusCommand,
      ...base,
      "--letter",
      file("l3.edxml"),
      "--code",
      "03",
      "-o",
      file("s3.edxml"),
    );
    const asLetter = await run(
      statusCommand,
      ...base,
      "--letter",
      file("s3.edxml"),
      "--code",
      "03",
    );
    expect(asLetter).toEqual({
      code: 2,
      out: expect.stringContaining("is a status packet, not a letter"),
    });
    const badCode = await run(statusCommand, ...base, "--letter", file("l3.edxml"), "--code", "99");
    expect(badCode).toEqual({ code: 2, out: expect.stringContaining("status-code") });
    const both = await run(
      statusCommand,
      ...base,
      "--letter",
      "x",
      "--document",
      "y",
      "--code",
      "3",
    );
    expect(both.code).toBe(2);
    expect((await run(statusCommand, ...base, "--code", "3")).code).toBe(2);
  });
});
