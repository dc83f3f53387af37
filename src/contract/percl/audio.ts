import { z } from "zod";
import { absoluteUrl, count, flag, oneOf, sayText, text } from "./fields.js";

/** Commands that put sound on the call. They may also be nested in GetDigits/GetSpeech prompts. */

export const TTS_ENGINE_NAMES = ["freeclimb.standard", "freeclimb.neural", "ElevenLabs"] as const;

export const ttsEngine = z.object(
  {
    name: oneOf(TTS_ENGINE_NAMES).optional(),
    parameters: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
  },
  { error: "must be an object" },
);

export const sayAttrs = z.object({
  /** At most 4096 bytes; an empty string skips the command. */
  text: sayText(),
  language: text().optional(),
  engine: ttsEngine.optional(),
  /** 0 repeats until the call hangs up. */
  loop: count().optional(),
  privacyMode: flag().optional(),
});
export type SayAttrs = z.output<typeof sayAttrs>;

export const playAttrs = z.object({
  /** May be a `recordingUrl` from a `record` webhook. */
  file: absoluteUrl(),
  /** 0 repeats until the call hangs up. */
  loop: count().optional(),
  privacyMode: flag().optional(),
});
export type PlayAttrs = z.output<typeof playAttrs>;

/** Only meaningful as the first command of the script answering an inbound call. */
export const playEarlyMediaAttrs = z.object({
  file: absoluteUrl(),
});
export type PlayEarlyMediaAttrs = z.output<typeof playEarlyMediaAttrs>;

export const pauseAttrs = z.object({
  /** Milliseconds of silence. */
  length: count(),
});
export type PauseAttrs = z.output<typeof pauseAttrs>;
