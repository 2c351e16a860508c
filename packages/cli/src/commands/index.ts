import type { Command } from "../command.js";
import { backupCommand, restoreCommand } from "./backup.js";
import { ackCommand, fetchCommand, inboxCommand, sendCommand, traceCommand } from "./client.js";
import { consoleCommand } from "./console.js";
import { demoLetterCommand } from "./demo-letter.js";
import { directoryCommand } from "./directory.js";
import { evidenceCommand } from "./evidence.js";
import { maintenanceCommand } from "./maintenance.js";
import { parseCommand } from "./parse.js";
import { pkiCommand } from "./pki.js";
import { reportCommand } from "./report.js";
import { retentionCommand } from "./retention.js";
import { signCommand } from "./sign.js";
import { statusCommand } from "./status.js";
import { systemCommand } from "./system.js";
import { verifyCommand } from "./verify.js";

/** Every `edoc` command, in the order `edoc help` lists them. */
export const commands: readonly Command[] = [
  parseCommand,
  pkiCommand,
  signCommand,
  verifyCommand,
  evidenceCommand,
  reportCommand,
  demoLetterCommand,
  sendCommand,
  inboxCommand,
  fetchCommand,
  ackCommand,
  statusCommand,
  traceCommand,
  consoleCommand,
  directoryCommand,
  systemCommand,
  maintenanceCommand,
  backupCommand,
  restoreCommand,
  retentionCommand,
];
