import { virtualCallBody } from "../api/routes/virtual-calls.js";
import { BelayError } from "../errors.js";
import type { CallerScript } from "../legs/virtual/script.js";
import type { AppHandler } from "./app-host.js";
import { wavSamples } from "./audio.js";

/** Keys pressed at a time after the call connects: `"#@9.5"` (as `belay call --dtmf`) or an object. */
export type KeyPress = string | { keys: string; at: number };

/** One virtual call: every option `belay call` has, in seconds as it takes them. */
export interface CallOptions {
  /**
   * The app: its voice URL (`http://…`), or an in-process handler the kit serves on 127.0.0.1.
   * Without it, `to` is routed to its number's application in the account.
   */
  app?: string | AppHandler;
  /** For a handler app: the path its voice webhook goes to. Default `/voice`. */
  appPath?: string;
  /** Where callStatus goes: a URL, or for a handler app a path such as `/status`. Default: the voice URL. */
  statusUrl?: string;
  /** The caller's voice: a WAV file's path or bytes (any WAV `belay call --audio` takes), or 8 kHz mono PCM. */
  audio?: string | Uint8Array | Int16Array;
  /** The caller says nothing (`belay call --silence`): the default without `audio`, refused with it. */
  silence?: boolean;
  /** When the caller starts speaking, in seconds after the call connects. Default 0. */
  audioAt?: number;
  /** Keys the caller presses; several keys in one press are 200 ms apart. */
  dtmf?: KeyPress | KeyPress[];
  /** When the caller hangs up, in seconds after the call connects. Default never. */
  hangupAt?: number;
  /** How long the call takes to connect once answered, in seconds. Default 0. */
  answerDelay?: number;
  /** Default `+15550001111`. */
  from?: string;
  /** Default `+15550002222`. */
  to?: string;
  /** Run on a simulated clock (`belay call --fast`). Default: startBelay's `fast`, which defaults to true. */
  fast?: boolean;
}

export const DEFAULT_FROM = "+15550001111";
export const DEFAULT_TO = "+15550002222";
export const DEFAULT_APP_PATH = "/voice";

/** The call's numbers, URLs and script, checked by the same schema as POST /belay/v1/virtual-calls. */
export interface CheckedCall {
  appUrl?: string;
  statusUrl?: string;
  from: string;
  to: string;
  fast: boolean;
  script: CallerScript;
}

export async function checkCall(
  options: CallOptions,
  urls: { appUrl?: string; statusUrl?: string },
  fast: boolean,
): Promise<CheckedCall> {
  if (options.silence && options.audio !== undefined)
    throw new BelayError("TESTKIT_OPTIONS", "call options: audio and silence cannot be used together");
  const dtmf = (options.dtmf === undefined ? [] : [options.dtmf].flat()).map(keyPress);
  const body = {
    ...urls,
    from: options.from ?? DEFAULT_FROM,
    to: options.to ?? DEFAULT_TO,
    fast,
    ...msField("audioAtMs", "audioAt", options.audioAt),
    ...(dtmf.length ? { dtmf } : {}),
    ...msField("hangupAtMs", "hangupAt", options.hangupAt),
    ...msField("answerDelayMs", "answerDelay", options.answerDelay),
  };
  const parsed = virtualCallBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BelayError(
      "TESTKIT_OPTIONS",
      `call options: ${issue?.path.join(".") || "(body)"} ${issue?.message ?? "is invalid"}`,
    );
  }
  const checked = parsed.data;
  const audio = options.audio === undefined ? undefined : await callerAudio(options.audio);
  const script: CallerScript = { dtmf: checked.dtmf ?? [] };
  if (audio) script.audio = audio;
  if (checked.audioAtMs !== undefined) script.audioAtMs = checked.audioAtMs;
  if (checked.hangupAtMs !== undefined) script.hangupAtMs = checked.hangupAtMs;
  if (checked.answerDelayMs !== undefined) script.answerDelayMs = checked.answerDelayMs;
  return {
    ...(checked.appUrl ? { appUrl: checked.appUrl } : {}),
    ...(checked.statusUrl ? { statusUrl: checked.statusUrl } : {}),
    from: checked.from,
    to: checked.to,
    fast: checked.fast,
    script,
  };
}

function msField(field: string, option: string, seconds: number | undefined): Record<string, number> {
  if (seconds === undefined) return {};
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new BelayError("TESTKIT_OPTIONS", `call options: ${option} must be a number of seconds ≥ 0`);
  return { [field]: Math.round(seconds * 1000) };
}

function keyPress(press: KeyPress): { keys: string; atMs: number } {
  if (typeof press === "string") {
    const match = /^([0-9*#A-D]+)@(\d+(?:\.\d+)?)$/.exec(press);
    if (!match)
      throw new BelayError(
        "TESTKIT_OPTIONS",
        `call options: dtmf "${press}" must look like KEYS@SECONDS, e.g. "#@6.5" or "123#@2"`,
      );
    return { keys: match[1] as string, atMs: Math.round(Number(match[2]) * 1000) };
  }
  if (!Number.isFinite(press.at) || press.at < 0)
    throw new BelayError("TESTKIT_OPTIONS", `call options: dtmf at must be a number of seconds ≥ 0`);
  return { keys: press.keys, atMs: Math.round(press.at * 1000) };
}

async function callerAudio(audio: string | Uint8Array | Int16Array): Promise<Int16Array> {
  return audio instanceof Int16Array ? audio : wavSamples(audio);
}
