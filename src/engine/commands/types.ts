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
