import type { z } from "zod";
import { pauseAttrs, playAttrs, playEarlyMediaAttrs, sayAttrs } from "./audio.js";
import {
  addToConferenceAttrs,
  createConferenceAttrs,
  removeFromConferenceAttrs,
  setDtmfPassThroughAttrs,
  setListenAttrs,
  setTalkAttrs,
  terminateConferenceAttrs,
} from "./conference.js";
import { outDialAttrs, smsAttrs } from "./dial.js";
import { getDigitsAttrs, sendDigitsAttrs } from "./digits.js";
import type { ParsedElement } from "./element.js";
import { hangupAttrs, parkAttrs, redirectAttrs, rejectAttrs, unparkAttrs } from "./flow.js";
import type { PerclCommandName } from "./names.js";
import { dequeueAttrs, enqueueAttrs } from "./queue.js";
import { recordUtteranceAttrs, startRecordCallAttrs } from "./record.js";
import { getSpeechAttrs, transcribeUtteranceAttrs } from "./speech.js";

/** Command name → schema of its attributes: the single list parsePercl dispatches on. */
export const PERCL_COMMAND_SCHEMAS = {
  Say: sayAttrs,
  Play: playAttrs,
  PlayEarlyMedia: playEarlyMediaAttrs,
  Pause: pauseAttrs,
  Hangup: hangupAttrs,
  Reject: rejectAttrs,
  Redirect: redirectAttrs,
  GetDigits: getDigitsAttrs,
  SendDigits: sendDigitsAttrs,
  RecordUtterance: recordUtteranceAttrs,
  StartRecordCall: startRecordCallAttrs,
  TranscribeUtterance: transcribeUtteranceAttrs,
  GetSpeech: getSpeechAttrs,
  OutDial: outDialAttrs,
  Enqueue: enqueueAttrs,
  Dequeue: dequeueAttrs,
  CreateConference: createConferenceAttrs,
  AddToConference: addToConferenceAttrs,
  RemoveFromConference: removeFromConferenceAttrs,
  TerminateConference: terminateConferenceAttrs,
  SetListen: setListenAttrs,
  SetTalk: setTalkAttrs,
  SetDTMFPassThrough: setDtmfPassThroughAttrs,
  Park: parkAttrs,
  Unpark: unparkAttrs,
  Sms: smsAttrs,
} as const satisfies Record<PerclCommandName, z.ZodType>;

/**
 * One parsed command: `{ name: "Say", attrs: SayAttrs }`. `switch (cmd.name)` narrows `attrs`.
 * Attributes are exactly what the app sent, unknown ones stripped; defaults are not filled in
 * (see ../defaults.ts) so the engine can tell "absent" from "set to the default".
 */
export type PerclCommand = ParsedElement<typeof PERCL_COMMAND_SCHEMAS>;

/** The attributes of one named command, e.g. `PerclAttrs<"RecordUtterance">`. */
export type PerclAttrs<N extends PerclCommandName> = z.output<(typeof PERCL_COMMAND_SCHEMAS)[N]>;

/** The command with a given name, e.g. `PerclCommandOf<"GetDigits">`. */
export type PerclCommandOf<N extends PerclCommandName> = Extract<PerclCommand, { name: N }>;
