/**
 * Every PerCL command name Belay understands: the OpenAPI `PerclCommand` mapping plus `GetSpeech`,
 * which docs/contract.md and the SDKs list but the OpenAPI mapping leaves out.
 */
export const PERCL_COMMAND_NAMES = [
  "Say",
  "Play",
  "PlayEarlyMedia",
  "Pause",
  "Hangup",
  "Reject",
  "Redirect",
  "GetDigits",
  "SendDigits",
  "RecordUtterance",
  "StartRecordCall",
  "TranscribeUtterance",
  "GetSpeech",
  "OutDial",
  "Enqueue",
  "Dequeue",
  "CreateConference",
  "AddToConference",
  "RemoveFromConference",
  "TerminateConference",
  "SetListen",
  "SetTalk",
  "SetDTMFPassThrough",
  "Park",
  "Unpark",
  "Sms",
] as const;

export type PerclCommandName = (typeof PERCL_COMMAND_NAMES)[number];

const NAMES: ReadonlySet<string> = new Set(PERCL_COMMAND_NAMES);

export function isPerclCommandName(name: string): name is PerclCommandName {
  return NAMES.has(name);
}
