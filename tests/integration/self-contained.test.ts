import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fixtureNames, fixturePath, readFixture, TAY_NINH_TSV } from "../fixtures/paths.js";

// A fresh clone has no ../shared beside it: every test, bench and script reads its fixtures
// from tests/fixtures (through tests/fixtures/paths.ts) instead.
const root = fileURLToPath(new URL("../..", import.meta.url));
const SCANNED = ["packages", "services", "tests", "bench", "infra", ".ci"];
const CODE = /\.(ts|mts|js|mjs|cjs|sh|json|go)$/;

function files(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    if (e === "node_modules" || e === "dist" || e === ".state" || e === "fixtures") return [];
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return files(p);
    return CODE.test(p) ? [p] : [];
  });
}

describe("the repository is self-contained", () => {
  it("no source, test, bench or script refers to a folder outside the repository", () => {
    const outside = /(\.\.\/)+shared\/|\/work\/shared/;
    const hits = SCANNED.flatMap((d) => files(join(root, d)))
      .filter((f) => f !== fileURLToPath(import.meta.url))
      .flatMap((f) =>
        readFileSync(f, "utf8")
          .split("\n")
          .map((line, i) => ({ line, at: `${relative(root, f)}:${i + 1}` }))
          .filter(({ line }) => outside.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(hits).toEqual([]);
  });

  it("the fixtures are all there, with their origin noted", () => {
    const origin = readFileSync(fixturePath("ORIGIN.md"), "utf8");
    const samples = ["vpcp-sdk", "field"].flatMap((d) =>
      fixtureNames(`samples/${d}`).map((f) => `${d}/${f}`),
    );
    expect(samples).toHaveLength(16);
    for (const repo of [
      "PVN-Organization/API-Gateway-iOffice",
      "all4u1089/truclienthong-example",
      "QuangChuIT/edoc-integrator",
    ])
      expect(origin).toContain(repo);
    // Byte for byte: the SDK's CRLF line ends survive (git must not normalise them).
    expect(readFixture("samples/vpcp-sdk/status.edxml").includes("\r\n")).toBe(true);
    expect(readFixture(TAY_NINH_TSV).toString("utf8").split("\n").filter(Boolean)).toHaveLength(
      455,
    );
  });
});
