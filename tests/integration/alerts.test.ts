import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/hub.js";

// The alert rules operators load into Prometheus, checked by Prometheus' own promtool
// (Debian's `prometheus` package, installed by infra/prometheus.sh).
const dir = join(repoRoot, "infra", "prometheus");

function promtool(...args: string[]) {
  const r = spawnSync("promtool", args, { cwd: dir, encoding: "utf8" });
  if (r.error)
    throw new Error(`promtool not runnable (bash infra/prometheus.sh): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Every `.ts` file under a folder, dist and node_modules left out. */
function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !f.includes("node_modules") && !f.includes("/dist/"));
}

describe("Prometheus alert rules (infra/prometheus)", () => {
  it("alerts.yml is valid for promtool", () => {
    const r = promtool("check", "rules", "alerts.yml");
    expect(r.out).toContain("SUCCESS: 16 rules found");
    expect(r.status).toBe(0);
  });

  it("every alert fires when it should, once across two archive instances, and not before (promtool unit tests)", () => {
    const r = promtool("test", "rules", "alerts.test.yml");
    expect(r.out).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("a rule that no longer matches its unit test fails the check", () => {
    // Guards the guard: promtool really compares, so a broken threshold cannot pass.
    const rules = readFileSync(join(dir, "alerts.yml"), "utf8");
    const broken = rules.replace(
      'edoc_deliveries_overdue{priority="0"}) > 0',
      'edoc_deliveries_overdue{priority="0"}) > 5',
    );
    expect(broken).not.toBe(rules);
    const tmp = join(repoRoot, "test-output", `alerts-broken-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, "alerts.yml"), broken);
    writeFileSync(join(tmp, "alerts.test.yml"), readFileSync(join(dir, "alerts.test.yml")));
    const r = spawnSync("promtool", ["test", "rules", "alerts.test.yml"], {
      cwd: tmp,
      encoding: "utf8",
    });
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain("EdocDeliveryOverdue");
  });

  it("every metric the rules use is one the services export", () => {
    const rules = readFileSync(join(dir, "alerts.yml"), "utf8");
    const used = new Set(rules.match(/\bedoc_[a-z_]+\b/g) ?? []);
    const code = [...sources(join(repoRoot, "services")), ...sources(join(repoRoot, "packages"))]
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const missing = [...used].filter((m) => !code.includes(`"${m}"`));
    expect(used.size).toBeGreaterThan(8);
    expect(missing).toEqual([]);
  });
});
