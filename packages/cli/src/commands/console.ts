import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { argon2id } from "hash-wasm";
import {
  CliError,
  type Command,
  commandGroup,
  parseCommandArgs,
  required,
  UsageError,
} from "../command.js";

/** The console's parameters (services/console/src/password.ts): OWASP's argon2id minimum. */
const PARAMS = { memorySize: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;
const MIN_PASSWORD = 12;
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

interface UserEntry {
  username: string;
  passwordHash: string;
  role: "operator" | "auditor";
}

/** `edoc console`: manages the accounts of the operators' web console. */
export const consoleCommand: Command = commandGroup({
  name: "console",
  summary: "operators' console accounts",
  subcommands: [
    {
      name: "add-user",
      usage: "console add-user --file F --username U --role operator|auditor [--password-stdin]",
      help: `Adds U to the console's users file F (EDOC_CONSOLE_USERS_FILE), or replaces U's password and
role when U is there already. The password is asked twice on the terminal, or read from standard
input with --password-stdin (one line). Stored as an argon2id hash; F is written 0600.
Exit 1 when the password is too short or the two differ.`,
      run: addUser,
    },
  ],
});

async function addUser(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      file: { type: "string" },
      username: { type: "string" },
      role: { type: "string" },
      "password-stdin": { type: "boolean" },
    },
  });
  const file = required(values.file, "--file F");
  const username = required(values.username, "--username U");
  const role = required(values.role, "--role operator|auditor");
  if (!USERNAME.test(username))
    throw new UsageError("--username must be 1-64 of A-Z a-z 0-9 . _ @ -");
  if (role !== "operator" && role !== "auditor")
    throw new UsageError('--role must be "operator" or "auditor"');
  const users = readUsers(file);
  const password = values["password-stdin"] ? await passwordFromStdin() : await promptTwice();
  if ([...password].length < MIN_PASSWORD)
    throw new CliError(`the password must have at least ${MIN_PASSWORD} characters`, 1);
  const passwordHash = await argon2id({
    password,
    salt: randomBytes(16),
    ...PARAMS,
    outputType: "encoded",
  });
  const i = users.findIndex((u) => u.username.toLowerCase() === username.toLowerCase());
  const entry: UserEntry = { username, passwordHash, role };
  if (i >= 0) users[i] = entry;
  else users.push(entry);
  writeUsers(file, users);
  process.stderr.write(`${i >= 0 ? "updated" : "added"} ${username} (${role}) in ${file}\n`);
  return 0;
}

function readUsers(file: string): UserEntry[] {
  if (!existsSync(file)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
  const list = (raw as { users?: unknown } | null)?.users;
  if (!Array.isArray(list)) throw new CliError(`${file}: expected { "users": [...] }`, 2);
  return list.map((u, i) => {
    const e = u as Partial<UserEntry> | null;
    if (
      typeof e?.username !== "string" ||
      typeof e.passwordHash !== "string" ||
      (e.role !== "operator" && e.role !== "auditor")
    )
      throw new CliError(`${file}: users[${i}] is not { username, passwordHash, role }`, 2);
    return { username: e.username, passwordHash: e.passwordHash, role: e.role };
  });
}

/** Written beside F then renamed over it: a reader never sees half a file. */
function writeUsers(file: string, users: UserEntry[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ users }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text.replace(/\r?\n$/, "");
}

async function promptTwice(): Promise<string> {
  if (!process.stdin.isTTY)
    throw new CliError("no terminal to ask the password on; pass --password-stdin", 2);
  const a = await prompt("Password: ");
  const b = await prompt("Repeat password: ");
  if (a !== b) throw new CliError("the two passwords differ", 1);
  return a;
}

/** Reads one line from the terminal without echoing it. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new CliError("cancelled", 2));
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
