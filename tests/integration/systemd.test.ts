import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/hub.js";

// The production units (infra/systemd, docs/deployment.md) checked by systemd itself:
// `systemd-analyze verify` (syntax, directives, the executable) and `security --offline`
// (the hardening's exposure score), plus what systemd cannot know: every service has a unit
// that starts its built main.js, and the env examples name only variables the code reads.
// infra/bootstrap.sh installs Debian's systemd package, which brings systemd-analyze.
const dir = join(repoRoot, "infra", "systemd");
const units = readdirSync(dir).filter((f) => f.endsWith(".service") || f.endsWith(".target"));
const services = readdirSync(join(repoRoot, "services"));

function analyze(args: string[]) {
  const r = spawnSync("systemd-analyze", args, { encoding: "utf8" });
  if (r.error)
    throw new Error(
      `systemd-analyze not runnable (infra/bootstrap.sh installs it): ${r.error.message}`,
    );
  return r;
}

/** Every EDOC_* name read anywhere in the services' and packages' sources. */
function variablesRead(): Set<string> {
  const names = new Set<string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name === "dist" || e.name === "test") continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts"))
        for (const m of readFileSync(p, "utf8").matchAll(/EDOC_[A-Z0-9_]+/g)) names.add(m[0]);
    }
  };
  walk(join(repoRoot, "services"));
  walk(join(repoRoot, "packages"));
  return names;
}

describe("systemd units", () => {
  it("every service has a unit that starts its built main.js", () => {
    for (const s of services) {
      const file = units.find((u) => u === `edoc-${s}.service` || u === `edoc-${s}@.service`);
      expect(file, `no unit for services/${s}`).toBeDefined();
      const text = readFileSync(join(dir, file ?? ""), "utf8");
      expect(text).toContain(
        `ExecStart=/usr/bin/node --enable-source-maps /opt/edoc-hub/services/${s}/dist/main.js`,
      );
      expect(existsSync(join(repoRoot, "services", s, "src", "main.ts"))).toBe(true);
      expect(text).toContain("WantedBy=edoc-hub.target");
    }
    // Every service is a template: N instances of each (docs/deployment.md).
    expect(units.filter((u) => u.endsWith("@.service")).sort()).toEqual(
      services.map((s) => `edoc-${s}@.service`).sort(),
    );
  });

  it("systemd-analyze verify accepts each unit without a warning", () => {
    for (const u of units) {
      const r = analyze(["verify", join(dir, u)]);
      expect({ unit: u, status: r.status, stderr: r.stderr.trim() }).toEqual({
        unit: u,
        status: 0,
        stderr: "",
      });
    }
  });

  it("the hardening keeps each service's exposure score at 2.0 or below", () => {
    for (const u of units.filter((f) => f.endsWith(".service"))) {
      const r = analyze(["security", "--offline=yes", "--threshold=20", join(dir, u)]);
      const score = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout)?.[1];
      expect({ unit: u, status: r.status, score: Number(score) <= 2 }).toEqual({
        unit: u,
        status: 0,
        score: true,
      });
    }
  });

  it("each environment file a unit requires has an example naming only variables the code reads", () => {
    const known = variablesRead();
    const examples = readdirSync(join(dir, "env"));
    for (const u of units) {
      const text = readFileSync(join(dir, u), "utf8");
      for (const m of text.matchAll(/^EnvironmentFile=(-?)\/etc\/edoc-hub\/(\S+)$/gm)) {
        if (m[1] === "-") continue; // optional per-instance overrides
        expect(examples, `${u} needs env/${m[2]}.example`).toContain(`${m[2]}.example`);
      }
    }
    for (const e of examples) {
      const text = readFileSync(join(dir, "env", e), "utf8");
      for (const m of text.matchAll(/^#?\s*(EDOC_[A-Z0-9_]+)=/gm)) {
        expect(known.has(m[1] ?? ""), `${e}: ${m[1]} is read by no service`).toBe(true);
      }
    }
  });
});
