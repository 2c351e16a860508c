import type { Command } from "../command.js";
import { parseCommand } from "./parse.js";

/** Every `edoc` command, in the order `edoc help` lists them. */
export const commands: readonly Command[] = [parseCommand];
