#!/usr/bin/env node
// `edoc`: the hub's command-line tool. Each command lives in src/commands/<name>.ts and exports
// a `Command`; src/run.ts dispatches, answers --help and turns errors into exit codes.
import { commands } from "./commands/index.js";
import { runCli } from "./run.js";

runCli(commands, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
