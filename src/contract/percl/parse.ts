import type { PerclCommand } from "./commands.js";
import { PERCL_COMMAND_SCHEMAS } from "./commands.js";
import { formatPath, parseElement } from "./element.js";

/** Why a script is invalid, worded for the app developer (the engine ends the call with appInvalidPercl). */
export type PerclError = {
  /** Position of the offending command in the script. */
  index?: number;
  /** Its name, when the element named a known command. */
  command?: string;
  /** The offending attribute, e.g. "actionUrl" or "prompts[0].text". */
  field?: string;
  /** One sentence, e.g. `command 2 (GetDigits): "actionUrl" is required`. */
  message: string;
};

export type PerclParseResult = { ok: true; script: PerclCommand[] } | { ok: false; error: PerclError };

function refuse(name: string): string {
  return `unknown PerCL command ${JSON.stringify(name)}`;
}

/**
 * Parses an app's reply: a JSON array of single-key command objects. The whole script is
 * validated before any of it runs, so an error in command 5 fails the script up front.
 * An empty array is a valid, empty script (the engine treats it as appNoPercl).
 */
export function parsePercl(value: unknown): PerclParseResult {
  if (!Array.isArray(value)) {
    const got = value === null || value === undefined ? String(value) : `a JSON ${typeof value}`;
    return { ok: false, error: { message: `a PerCL script must be a JSON array of commands, not ${got}` } };
  }
  const script: PerclCommand[] = [];
  for (let index = 0; index < value.length; index++) {
    const result = parseElement(value[index], PERCL_COMMAND_SCHEMAS, refuse);
    if (result.ok) {
      script.push(result.command);
      continue;
    }
    const error: PerclError = { index, message: "" };
    let label = `command ${index}`;
    if (result.name !== undefined) {
      error.command = result.name;
      label += ` (${result.name})`;
    }
    if (result.path.length > 0) error.field = formatPath(result.path);
    error.message = `${label}: ${result.reason}`;
    return { ok: false, error };
  }
  return { ok: true, script };
}
