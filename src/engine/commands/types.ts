import type { PerclCommand } from "../../contract/percl/index.js";
import type { CommandContext, CommandResult } from "../context.js";

export type CommandName = PerclCommand["name"];
export type AttrsOf<N extends CommandName> = Extract<PerclCommand, { name: N }>["attrs"];

/**
 * Runs one PerCL command. `signal` is the call's, or a narrower one (GetDigits stops its prompts
 * at the first key press).
 */
export type CommandHandler<N extends CommandName> = (
  attrs: AttrsOf<N>,
  ctx: CommandContext,
  signal: AbortSignal,
) => Promise<CommandResult>;

/** Where the call sends a command that hands control back: the timeline shows `→ url`. */
export const describeActionUrl = (attrs: { actionUrl: string }): string => `→ ${attrs.actionUrl}`;

/**
 * A command as the runner knows it: how to run it, and how the timeline describes it (a short,
 * log-safe summary; privacyMode input withheld). A new command is one file and one entry.
 */
export interface CommandEntry<N extends CommandName> {
  run: CommandHandler<N>;
  describe?: (attrs: AttrsOf<N>) => string | undefined;
}
