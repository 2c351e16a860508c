import type { Command } from "../command.js";

/** Every `edoc` command, in the order `edoc help` lists them. */
export const commands: readonly Command[] = [];
