import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MongoClient } from "mongodb";
import { expect, it } from "vitest";
import { cpuSecondsOf, fmt, pool, table } from "./measure.js";

// FerretDB alone, four builds of the same binary (infra/ferretdb/main.go) side by side in one
// run, each on its own port and data directory (the shared server on 27017 is not touched):
// as shipped (no `_id` expression index, eager log formatting, racing updates), + the index,
// + the lazy log handler, + atomic updates (the default). Run briefly with:
//   pnpm exec vitest run --config bench/vitest.config.ts bench/ferretdb.bench.ts
// EDOC_FERRET_BENCH_ROWS (default 3000) rows of ~800 B, EDOC_FERRET_BENCH_OPS (default 500)
// finds and updates by `_id`, 4 in flight.
const rows = Number(process.env.EDOC_FERRET_BENCH_ROWS ?? 3000);
const ops = Number(process.env.EDOC_FERRET_BENCH_OPS ?? 500);
const inFlight = 4;

const builds = [
  { name: "as shipped", flags: ["-id-index-every", "0", "-eager-log", "-racy-writes"] },
  { name: "+ `_id` index", flags: ["-eager-log", "-racy-writes"] },
  { name: "+ `_id` index + lazy log", flags: ["-racy-writes"] },
  { name: "+ `_id` index + lazy log + atomic updates", flags: [] },
];

type Figures = Record<"insert" | "find" | "update", { perSecond: number; cpuMs: number }>;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

async function measure(proc: ChildProcess, task: (i: number) => Promise<void>, n: number) {
  const pid = proc.pid as number;
  const cpu0 = cpuSecondsOf(pid);
  const start = process.hrtime.bigint();
  await pool(
    Array.from({ length: n }, (_, i) => i),
    inFlight,
    (i) => task(i),
  );
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return { perSecond: n / secs, cpuMs: ((cpuSecondsOf(pid) - cpu0) * 1000) / n };
}

async function runBuild(bin: string, flags: string[]): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), "edoc-ferret-bench-"));
  const port = await freePort();
  const proc = spawn(bin, ["-listen", `127.0.0.1:${port}`, "-data", dir, ...flags], {
    stdio: "ignore",
  });
  const url = `mongodb://127.0.0.1:${port}/?retryWrites=false&directConnection=true`;
  let client: MongoClient | undefined;
  try {
    for (let i = 0; !client; i++) {
      client = await MongoClient.connect(url, { serverSelectionTimeoutMS: 500 }).catch(
        async (e) => {
          if (i > 40) throw e;
          await sleep(250);
          return undefined;
        },
      );
    }
    const col = client.db("bench").collection<{ _id: string; n: number; body: string }>("docs");
    const body = "x".repeat(760);
    const insert = await measure(
      proc,
      (i) => col.insertOne({ _id: `doc-${i}`, n: i, body }).then(() => undefined),
      rows,
    );
    await sleep(1500); // one pass of the index keeper (every second) sees the new table
    const id = (i: number) => `doc-${(i * 7919) % rows}`;
    const find = await measure(
      proc,
      async (i) => {
        if (!(await col.findOne({ _id: id(i) }))) throw new Error(`${id(i)} not found`);
      },
      ops,
    );
    const update = await measure(
      proc,
      async (i) => {
        const r = await col.updateOne({ _id: id(i) }, { $set: { n: -i } });
        if (r.matchedCount !== 1) throw new Error(`${id(i)} not updated`);
      },
      ops,
    );
    return { insert, find, update };
  } finally {
    await client?.close();
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

it("FerretDB: _id lookups, log formatting and atomic updates, as shipped vs fixed", async () => {
  const bin = execFileSync("bash", ["infra/ferretdb.sh", "path"], { encoding: "utf8" }).trim();
  const results: Figures[] = [];
  for (const b of builds) results.push(await runBuild(bin, b.flags));
  const base = results[0] as Figures;
  const cell = (f: Figures, k: keyof Figures) =>
    `${fmt(f[k].perSecond, 0)} (×${fmt(f[k].perSecond / base[k].perSecond, 2)}) / ${fmt(f[k].cpuMs, 2)}`;
  table(
    `FerretDB 1.24.2, ${rows} rows of ~800 B, ${ops} ops by _id, ${inFlight} in flight — ops/s (× as shipped) / FerretDB CPU ms per op`,
    ["build", "insertOne", "findOne by _id", "updateOne by _id"],
    builds.map((b, i) => {
      const f = results[i] as Figures;
      return [b.name, cell(f, "insert"), cell(f, "find"), cell(f, "update")];
    }),
  );
  for (const f of results) expect(f.find.perSecond).toBeGreaterThan(0);
});
