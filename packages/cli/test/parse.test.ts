import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { fixturePath } from "../../../tests/fixtures/paths.js";
import { CliError, UsageError } from "../src/command.js";
import { parseCommand } from "../src/commands/parse.js";

const scratch = mkdtempSync(join(tmpdir(), "edoc-parse-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs `edoc parse` with stdout captured. */
async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  });
  const code = await parseCommand.run(args);
  return { code, out: chunks.join("") };
}

describe("edoc parse", () => {
  it("summarises a letter", async () => {
    const { code, out } = await run(fixturePath("samples/vpcp-sdk/edoc_update.edxml"));
    expect(code).toBe(0);
    expect(out).toContain("letter (update), Signature present (not verified)");
    expect(out).toMatch(/^from {8}000\.00\.00\.G22 Văn phòng Chính phủ$/m);
    expect(out).toMatch(/^to {10}000\.00\.00\.H41 UBND Tỉnh Nghệ An$/m);
    expect(out).toContain("209: 270823 bytes (1896_QD-TTg_m_294779.doc, application/zip)");
  });

  it("summarises a status packet", async () => {
    const { code, out } = await run(fixturePath("samples/vpcp-sdk/status_rejection_02.edxml"));
    expect(code).toBe(0);
    expect(out).toMatch(/^packet {6}status 02 \(rejected\)$/m);
    expect(out).toContain("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT (000.00.00.G22)");
    // A zone-less edXML time is Vietnam time: 11:08:36 in Hà Nội is 04:08:36 UTC.
    expect(out).toMatch(
      /^at {10}2015\/09\/20 11:08:36 \(UTC\+07:00, 2015-09-20T04:08:36\.000Z\)$/m,
    );
    expect(out).toMatch(/^answers {5}7816\/VPCP-TTĐT, 2015\/09\/30$/m);
    expect(out).toMatch(/^staff {6}.*tr[aâ]m/im);
  });

  it("--json prints the typed packet without attachment data", async () => {
    const { code, out } = await run(
      fixturePath("samples/vpcp-sdk/edoc_replacement.edxml"),
      "--json",
    );
    expect(code).toBe(0);
    const packet = JSON.parse(out);
    expect(packet.kind).toBe("letter");
    expect(packet.business.docType).toBe("replace");
    expect(packet.header.to).toHaveLength(3);
    expect(packet.attachments).toEqual([
      {
        contentId: "209",
        contentType: "application/zip",
        name: "1896_QD-TTg_m_294779.doc",
        description: "1896_QD-TTg_m_294779.doc",
        size: 270_823,
      },
    ]);
  });

  it("refuses stray bytes before the declaration with exit 2", async () => {
    const { code, out } = await run(fixturePath("samples/vpcp-sdk/edoc_new.edxml"));
    expect(code).toBe(2);
    expect(out).toMatch(/^EDXML_NOT_WELL_FORMED: 4 bytes precede the XML declaration: "1212"/);
  });

  it("lists validation issues one per line: path, rule, message", async () => {
    const file = join(scratch, "stripped.edxml");
    writeFileSync(file, readFileSync(fixturePath("samples/vpcp-sdk/edoc_new.edxml")).subarray(4));
    const { code, out } = await run(file);
    expect(code).toBe(2);
    expect(out.trimEnd().split("\n")).toEqual([
      "EDXML_INVALID: 1 issue",
      expect.stringMatching(
        /^edXMLEnvelope\/edXMLHeader\/MessageHeader\/To\[1\]\/OrganId\torgan-id\tOrganId "28\.22\.H17"/,
      ),
    ]);
    const json = await run(file, "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({
      code: "EDXML_INVALID",
      issues: [{ path: "edXMLEnvelope/edXMLHeader/MessageHeader/To[1]/OrganId", rule: "organ-id" }],
    });
  });

  it("reports a not well-formed file with its position, as JSON too", async () => {
    const { code, out } = await run(
      fixturePath("samples/field/lgsp_signed_malformed.edxml"),
      "--json",
    );
    expect(code).toBe(2);
    const report = JSON.parse(out);
    expect(report.code).toBe("EDXML_NOT_WELL_FORMED");
    expect(report.message).toContain("line 73, column 76");
    expect(report.issues).toEqual([]);
  });

  it("reports XML that is not edXML", async () => {
    const file = join(scratch, "other.xml");
    writeFileSync(file, "<Envelope/>");
    const { code, out } = await run(file);
    expect(code).toBe(2);
    expect(out).toBe(
      "EDXML_NOT_EDXML: root element is <Envelope>, expected edXML (QCVN 102:2016)\n",
    );
  });

  it("an unreadable file is exit 2: a CliError, or a JSON report with --json", async () => {
    const missing = join(scratch, "missing.edxml");
    await expect(parseCommand.run([missing])).rejects.toMatchObject({
      constructor: CliError,
      exitCode: 2,
      message: expect.stringContaining(`cannot read ${missing}`),
    });
    const { code, out } = await run(missing, "--json");
    expect(code).toBe(2);
    expect(JSON.parse(out)).toMatchObject({ code: "FILE_UNREADABLE", issues: [] });
  });

  it("wrong usage is a UsageError (exit 2) with the reason", async () => {
    await expect(parseCommand.run([])).rejects.toThrow("missing FILE");
    await expect(parseCommand.run(["a", "b"])).rejects.toBeInstanceOf(UsageError);
    await expect(parseCommand.run(["a", "--yaml"])).rejects.toThrow(/--yaml/);
  });
});
