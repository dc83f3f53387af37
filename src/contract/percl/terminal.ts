import type { PerclCommandName } from "./names.js";

/**
 * Commands that hand control back to the app through a webhook: the script ends with them and
 * whatever follows is ignored (docs/contract.md §3). Hangup and Reject end the call instead.
 * The OpenAPI also calls Unpark terminal; docs/contract.md's list, followed here, does not.
 */
export const TERMINAL_COMMANDS: ReadonlySet<PerclCommandName> = new Set<PerclCommandName>([
  "RecordUtterance",
  "GetDigits",
  "GetSpeech",
  "Redirect",
  "TranscribeUtterance",
  "OutDial",
  "Enqueue",
  "CreateConference",
  "Park",
]);

export function isTerminal(cmd: { readonly name: string }): boolean {
  return (TERMINAL_COMMANDS as ReadonlySet<string>).has(cmd.name);
}
