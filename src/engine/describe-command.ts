import type { PerclCommand } from "../contract/percl/index.js";

const MAX_TEXT = 60;

/** A short, log-safe summary of a command for the timeline (privacyMode input is withheld). */
export function describeCommand(command: PerclCommand): string | undefined {
  switch (command.name) {
    case "Say": {
      if (command.attrs.privacyMode) return "(text withheld: privacyMode)";
      const text = command.attrs.text;
      return JSON.stringify(text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);
    }
    case "Play":
      return command.attrs.privacyMode ? "(file withheld: privacyMode)" : command.attrs.file;
    case "Pause":
      return `${command.attrs.length} ms`;
    case "GetDigits":
    case "Redirect":
    case "RecordUtterance":
      return `→ ${command.attrs.actionUrl}`;
    case "SendDigits":
      return command.attrs.privacyMode ? undefined : command.attrs.digits;
    default:
      return undefined;
  }
}
