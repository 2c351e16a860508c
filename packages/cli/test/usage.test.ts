import { parseArgs } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Command } from "../src/command.js";
import { commands } from "../src/commands/index.js";
import { runCli } from "../src/run.js";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** `edoc ARGS…` in-process, as src/main.ts runs it, with stdout and stderr captured. */
async function edoc(
  args: string[],
  list: readonly Command[] = commands,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture(out));
  vi.spyOn(process.stderr, "write").mockImplementation(capture(err));
  const code = await runCli(list, args);
  vi.restoreAllMocks();
  return { code, out: out.join(""), err: err.join("") };
}

/** Every command and subcommand as its words after `edoc`: ["send"], ["pki", "init"]… */
function paths(list: readonly Command[], prefix: string[] = []): string[][] {
  return list.flatMap((c) => [
    [...prefix, c.name],
    ...paths(c.subcommands ?? [], [...prefix, c.name]),
  ]);
}

const ALL = paths(commands);
const LEAVES = ALL.filter((p) => !leaf(p).subcommands);
const STACK = /\n\s+at /;

function leaf(path: string[]): Command {
  let list: readonly Command[] = commands;
  let found: Command | undefined;
  for (const name of path) {
    found = list.find((c) => c.name === name);
    list = found?.subcommands ?? [];
  }
  if (!found) throw new Error(`no command ${path.join(" ")}`);
  return found;
}

describe("every edoc command and subcommand", () => {
  it("covers the subcommands of pki, evidence and console", () => {
    expect(ALL.map((p) => p.join(" "))).toEqual(
      expect.arrayContaining(["pki init", "pki revoke", "evidence verify", "console add-user"]),
    );
  });

  it.each(ALL.map((p) => [p.join(" "), p] as const))(
    "%s: --help, -h and `edoc help` print its usage on stdout, exit 0",
    async (name, path) => {
      const help = await edoc([...path, "--help"]);
      expect(help.code).toBe(0);
      expect(help.err).toBe("");
      expect(help.out).toContain(`edoc ${name}`);
      expect(help.out).toContain("exit codes: 0 done");
      expect((await edoc([...path, "-h"])).out).toBe(help.out);
      expect(await edoc(["help", ...path])).toEqual(help);
    },
  );

  it.each(ALL.map((p) => [p.join(" "), p] as const))(
    "%s: an unknown option prints the reason and usage on stderr, exit 2, no stack",
    async (name, path) => {
      const r = await edoc([...path, "--no-such-option"]);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      const [reason, ...usage] = r.err.split("\n");
      expect(reason).toMatch(
        new RegExp(`^edoc ${name}: (unknown option '--no-such-option'|unknown subcommand)`),
      );
      expect(usage.join("\n")).toContain(`usage:`);
      expect(usage.join("\n")).toContain(`edoc ${name}`);
      expect(r.err).not.toMatch(STACK);
    },
  );

  // A command whose usage names a positional argument (`send FILE`) must refuse to run without it.
  it.each(
    LEAVES.flatMap((p) => {
      const first = new RegExp(`^${p.join(" ")} ([A-Z]\\S*)`).exec(leaf(p).usage)?.[1];
      return first ? [[p.join(" "), first, p] as const] : [];
    }),
  )("%s: without its %s argument it is a usage error, exit 2", async (name, arg, path) => {
    const r = await edoc(path);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(`^edoc ${name}: missing ${regexEscape(arg)}\nusage: edoc ${name}`),
    );
    const extra = await edoc([...path, "a", "b", "c", "d"]);
    expect(extra.code).toBe(2);
    expect(extra.err).toMatch(/^edoc .*: unexpected argument '.'\n/);
  });

  it.each([
    [["status", "--document", "doc_1", "--code", "03"], "missing --as"],
    [["inbox"], "say who you are: --as ORGANID"],
    [["demo-letter", "--to", "000.00.00.H41"], "missing --from"],
    [["pki", "issue", "--dir", "/nonexistent"], "missing --organ ORGANID"],
    [["pki", "revoke", "--dir", "/nonexistent"], "give --organ ORGANID or --serial HEX"],
    [["evidence", "export", "-o", "x.zip"], "missing --document ID"],
    [["backup", "--db", "x"], "missing -o FILE"],
    [["retention", "apply", "--limit", "0"], "--limit must be an integer from 1 to 10000"],
    [["console", "add-user", "--username", "u", "--role", "auditor"], "missing --file F"],
    [["pki"], "missing subcommand"],
    [["verify", "x.edxml", "--at"], "option '--at <value>' argument missing"],
  ])("edoc %j: %s, with the usage, exit 2", async (args, reason) => {
    const r = await edoc(args);
    expect(r.code).toBe(2);
    const name = args.filter((a, i) => i < 2 && !a.startsWith("-") && a !== "x.edxml").join(" ");
    expect(r.err).toContain(`edoc ${name}: ${reason}`);
    expect(r.err).toContain("usage:");
  });
});

describe("edoc itself", () => {
  it("help lists every command; no command or an unknown one is exit 2 on stderr", async () => {
    const help = await edoc(["help"]);
    expect(help.code).toBe(0);
    for (const c of commands) expect(help.out).toContain(`  ${c.usage}`);
    expect(await edoc(["--help"])).toEqual(help);
    expect(await edoc(["help", "--help"])).toEqual(help);
    const none = await edoc([]);
    expect(none).toMatchObject({ code: 2, out: "" });
    expect(none.err).toMatch(/^edoc: missing command\nusage: edoc <command>/);
    const unknown = await edoc(["frobnicate", "--help"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^edoc: unknown command 'frobnicate'\n/);
    expect((await edoc(["help", "frobnicate"])).code).toBe(2);
    expect((await edoc(["help", "pki", "frobnicate"])).err).toContain(
      "unknown subcommand 'frobnicate'",
    );
  });

  it("--help after -- is an argument, not a request for help", async () => {
    const r = await edoc(["parse", "--", "--help"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("cannot read --help");
  });

  const broken: Command = {
    name: "broken",
    usage: "broken   always fails",
    async run() {
      throw new TypeError("Cannot read properties of undefined (reading 'x')");
    },
  };
  // A command written with node:util parseArgs directly still gets the uniform treatment.
  const raw: Command = {
    name: "raw",
    usage: "raw [--json]",
    async run(argv) {
      parseArgs({ args: argv, options: { json: { type: "boolean" } } });
      return 0;
    },
  };

  it("an unexpected error is one line and exit 70; EDOC_DEBUG=1 adds the stack", async () => {
    const r = await edoc(["broken"], [broken]);
    expect(r.code).toBe(70);
    expect(r.err).toBe(
      "edoc broken: internal error: Cannot read properties of undefined (reading 'x') (EDOC_DEBUG=1 shows the stack)\n",
    );
    vi.stubEnv("EDOC_DEBUG", "1");
    const debug = await edoc(["broken"], [broken]);
    expect(debug.code).toBe(70);
    expect(debug.err).toMatch(STACK);
  });

  it("raw parseArgs errors become usage errors too", async () => {
    const r = await edoc(["raw", "--yaml"], [raw]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "edoc raw: unknown option '--yaml'\nusage: edoc raw [--json]\n\n" +
        (await edoc(["help"], [raw])).out.split("\n\n").at(-1),
    );
    expect((await edoc(["raw", "extra"], [raw])).err).toMatch(
      /^edoc raw: unexpected argument 'extra'/,
    );
  });
});

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
