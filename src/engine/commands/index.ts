import type { PerclCommand } from "../../contract/percl/index.js";
import type { CommandContext, CommandResult } from "../context.js";
import { addToConference, describeAddToConference } from "./add-to-conference.js";
import { createConference } from "./create-conference.js";
import { dequeue } from "./dequeue.js";
import { describeEnqueue, enqueue } from "./enqueue.js";
import { getDigits } from "./get-digits.js";
import { hangup, reject } from "./hangup.js";
import { describeOutDial, outDial } from "./out-dial.js";
import { park } from "./park.js";
import { describePause, pause } from "./pause.js";
import { describePlay, play } from "./play.js";
import { describePlayEarlyMedia, playEarlyMedia } from "./play-early-media.js";
import { recordUtterance } from "./record-utterance.js";
import { redirect } from "./redirect.js";
import { removeFromConference } from "./remove-from-conference.js";
import { describeSay, say } from "./say.js";
import { describeSendDigits, sendDigits } from "./send-digits.js";
import { setDtmfPassThrough } from "./set-dtmf-pass-through.js";
import { setListen } from "./set-listen.js";
import { setTalk } from "./set-talk.js";
import { startRecordCall } from "./start-record-call.js";
import { terminateConference } from "./terminate-conference.js";
import { type CommandEntry, type CommandName, describeActionUrl } from "./types.js";
import { unpark } from "./unpark.js";

type Commands = { [N in CommandName]?: CommandEntry<N> };

/** The commands Belay executes today. Every other PerCL command parses, then ends the call. */
const COMMANDS: Commands = {
  Say: { run: say, describe: describeSay },
  Play: { run: play, describe: describePlay },
  Pause: { run: pause, describe: describePause },
  Hangup: { run: hangup },
  Reject: { run: reject },
  Redirect: { run: redirect, describe: describeActionUrl },
  GetDigits: { run: getDigits, describe: describeActionUrl },
  SendDigits: { run: sendDigits, describe: describeSendDigits },
  RecordUtterance: { run: recordUtterance, describe: describeActionUrl },
  OutDial: { run: outDial, describe: describeOutDial },
  CreateConference: { run: createConference, describe: describeActionUrl },
  AddToConference: { run: addToConference, describe: describeAddToConference },
  RemoveFromConference: { run: removeFromConference },
  TerminateConference: { run: terminateConference },
  SetTalk: { run: setTalk },
  SetListen: { run: setListen },
  SetDTMFPassThrough: { run: setDtmfPassThrough },
  StartRecordCall: { run: startRecordCall },
  Park: { run: park, describe: describeActionUrl },
  Unpark: { run: unpark },
  PlayEarlyMedia: { run: playEarlyMedia, describe: describePlayEarlyMedia },
  Enqueue: { run: enqueue, describe: describeEnqueue },
  Dequeue: { run: dequeue },
};

export function isExecutable(name: CommandName): boolean {
  return COMMANDS[name] !== undefined;
}

/** A short, log-safe summary of a command for the timeline (privacyMode input is withheld). */
export function describeCommand(command: PerclCommand): string | undefined {
  const entry = COMMANDS[command.name] as CommandEntry<typeof command.name> | undefined;
  return entry?.describe?.(command.attrs as never);
}

/** Runs one command; `signal` narrows the call's (a wait script stops when its hold ends). */
export async function executeCommand(
  command: PerclCommand,
  ctx: CommandContext,
  signal: AbortSignal = ctx.signal,
): Promise<CommandResult> {
  const handler = (COMMANDS[command.name] as CommandEntry<typeof command.name> | undefined)?.run;
  if (!handler) {
    const message = `PerCL command ${command.name} is not supported by Belay yet`;
    ctx.log.error({ command: command.name }, message);
    return { kind: "end", reason: "perclProcessingError", message };
  }
  return handler(command.attrs as never, ctx, signal);
}
