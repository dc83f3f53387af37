import type { PerclCommand } from "../../contract/percl/index.js";
import type { CommandContext, CommandResult } from "../context.js";
import { addToConference } from "./add-to-conference.js";
import { createConference } from "./create-conference.js";
import { getDigits } from "./get-digits.js";
import { hangup, reject } from "./hangup.js";
import { outDial } from "./out-dial.js";
import { pause } from "./pause.js";
import { play } from "./play.js";
import { recordUtterance } from "./record-utterance.js";
import { redirect } from "./redirect.js";
import { removeFromConference } from "./remove-from-conference.js";
import { say } from "./say.js";
import { sendDigits } from "./send-digits.js";
import { setDtmfPassThrough } from "./set-dtmf-pass-through.js";
import { setListen } from "./set-listen.js";
import { setTalk } from "./set-talk.js";
import { startRecordCall } from "./start-record-call.js";
import { terminateConference } from "./terminate-conference.js";
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
  OutDial: outDial,
  CreateConference: createConference,
  AddToConference: addToConference,
  RemoveFromConference: removeFromConference,
  TerminateConference: terminateConference,
  SetTalk: setTalk,
  SetListen: setListen,
  SetDTMFPassThrough: setDtmfPassThrough,
  StartRecordCall: startRecordCall,
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
