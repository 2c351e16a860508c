import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Architecture rules as a test (cf. X-Road's arch-rules): the dependency direction is what keeps
// domain logic testable without servers and services deployable on their own.
const root = fileURLToPath(new URL("../..", import.meta.url));

/** Domain packages: pure, no I/O library may be imported. */
const PURE = [
  "vntime",
  "directory",
  "edxml",
  "signature",
  "pki",
  "routing",
  "receipts",
  "evidence",
  "vdxp",
  "pades",
  "timestamp",
  "reports",
  "federation",
  "ratelimit",
];
const IO_MODULES = [
  "node:fs",
  "fs",
  "node:net",
  "node:http",
  "node:https",
  "node:child_process",
  "amqplib",
  "mongodb",
  "express",
];

function sources(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === "node_modules" || e === "dist") continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(sources(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1] ?? "");
}

describe("architecture rules", () => {
  it("pure domain packages import no I/O library", () => {
    const violations: string[] = [];
    for (const pkg of PURE) {
      for (const f of sources(join(root, "packages", pkg, "src"))) {
        for (const m of imports(f)) {
          if (IO_MODULES.includes(m) || m.startsWith("node:fs/"))
            violations.push(`${relative(root, f)} imports ${m}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("packages never import services, and services never import each other", () => {
    const violations: string[] = [];
    for (const f of sources(join(root, "packages"))) {
      for (const m of imports(f))
        if (
          m.includes("services/") ||
          m.startsWith("@edoc/gateway") ||
          m.startsWith("@edoc/router") ||
          m.startsWith("@edoc/archive") ||
          m === "@edoc/signer"
        )
          violations.push(`${relative(root, f)} imports ${m}`);
    }
    const services = readdirSync(join(root, "services"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const svc of services) {
      for (const f of sources(join(root, "services", svc))) {
        for (const m of imports(f)) {
          const other = services.find(
            (s) =>
              s !== svc &&
              // Exactly the service's package: @edoc/signer-client is a package, not the signer.
              (m === `@edoc/${s}` ||
                m.startsWith(`@edoc/${s}/`) ||
                m.includes(`services/${s}`) ||
                m.includes(`../${s}/`)),
          );
          if (other) violations.push(`${relative(root, f)} imports service ${other}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("workspace packages are imported through their public index only", () => {
    const violations: string[] = [];
    for (const dir of ["packages", "services", "tests"]) {
      for (const f of sources(join(root, dir))) {
        for (const m of imports(f))
          if (/^@edoc\/[^/]+\/.+/.test(m)) violations.push(`${relative(root, f)} imports ${m}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
