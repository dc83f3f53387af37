import { BelayError } from "../errors.js";
import type { CallerScript } from "../legs/virtual/script.js";

/** Parses `KEYS@SECONDS`, e.g. `#@6.5` or `123#@2`. */
export function parseDtmf(value: string): { keys: string; atMs: number } {
  const match = /^([0-9*#A-D]+)@(\d+(?:\.\d+)?)$/.exec(value);
  if (!match) {
    throw new BelayError(
      "CLI_USAGE",
      `--dtmf "${value}" must look like KEYS@SECONDS, e.g. '#@6.5' or '123#@2'`,
    );
  }
  return { keys: match[1] as string, atMs: secondsToMs(match[2] as string) };
}

export function parseSeconds(flag: string, value: string): number {
  if (!/^\d+(?:\.\d+)?$/.test(value))
    throw new BelayError("CLI_USAGE", `${flag} "${value}" must be a number of seconds`);
  return secondsToMs(value);
}

function secondsToMs(text: string): number {
  return Math.round(Number(text) * 1000);
}

export function buildScript(options: {
  audio?: Int16Array;
  audioAtMs?: number;
  dtmf: Array<{ keys: string; atMs: number }>;
  hangupAtMs?: number;
  answerDelayMs?: number;
}): CallerScript {
  const script: CallerScript = { dtmf: options.dtmf };
  if (options.audio) script.audio = options.audio;
  if (options.audioAtMs !== undefined) script.audioAtMs = options.audioAtMs;
  if (options.hangupAtMs !== undefined) script.hangupAtMs = options.hangupAtMs;
  if (options.answerDelayMs !== undefined) script.answerDelayMs = options.answerDelayMs;
  return script;
}
