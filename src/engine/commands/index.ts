import type { PerclCommand } from "../../contract/percl/index.js";
import type { CommandContext, CommandResult } from "../context.js";
import { getDigits } from "./get-digits.js";
import { hangup, reject } from "./hangup.js";
import { pause } from "./pause.js";
import { play } from "./play.js";
import { recordUtterance } from "./record-utterance.js";
import { redirect } from "./redirect.js";
import { say } from "./say.js";
import { sendDigits } from "./send-digits.js";
import type { CommandHandler, CommandName } from "./types.js";

type Handlers = { [N in CommandName]?: CommandHandler<N> };

/** The commands Belay executes today. Every other PerCL command parses, then ends the call. */
const HANDLERS: Handlers = {
  Say: say,
  Play: play,
  Pause: pause,
  Hangup: hangup,
  Reject: reject,
  Redirect: redirect,
  GetDigits: getDigits,
  SendDigits: sendDigits,
  RecordUtterance: recordUtterance,
};

export function isExecutable(name: CommandName): boolean {
  return HANDLERS[name] !== undefined;
}

export async function executeCommand(command: PerclCommand, ctx: CommandContext): Promise<CommandResult> {
  const handler = HANDLERS[command.name] as CommandHandler<typeof command.name> | undefined;
  if (!handler) {
    const message = `PerCL command ${command.name} is not supported by Belay yet`;
    ctx.log.error({ command: command.name }, message);
    return { kind: "end", reason: "perclProcessingError", message };
  }
  return handler(command.attrs as never, ctx, ctx.signal);
}
