import { z } from "zod";
import { absoluteUrl, count, decimal, flag, integer, nonEmptyText, oneOf, text } from "./fields.js";
import { prompts } from "./prompts.js";

/** Speech input: grammar-based recognition (GetSpeech) and free transcription (TranscribeUtterance). */

const unitInterval = () =>
  decimal().min(0, "must be between 0.0 and 1.0").max(1, "must be between 0.0 and 1.0");

export const getSpeechAttrs = z.object({
  actionUrl: absoluteUrl(),
  grammarType: oneOf(["URL", "BUILTIN"]).nullable().optional(),
  /** A download URL when grammarType is URL, else a built-in grammar name. */
  grammarFile: nonEmptyText(),
  grammarRule: text().optional(),
  playBeep: flag().optional(),
  prompts: prompts().optional(),
  noInputTimeoutMs: count().optional(),
  recognitionTimeoutMs: count().optional(),
  confidenceThreshold: unitInterval().optional(),
  sensitivityLevel: unitInterval().optional(),
  speechCompleteTimeoutMs: count().optional(),
  speechIncompleteTimeoutMs: count().optional(),
  privacyMode: flag().optional(),
});
export type GetSpeechAttrs = z.output<typeof getSpeechAttrs>;

export const transcribeRecordOptions = z.object(
  {
    saveRecording: flag().optional(),
    maxLengthSec: integer().min(1, "must be 1 to 60").max(60, "must be 1 to 60").optional(),
    rcrdTerminationSilenceTimeMs: integer()
      .min(1, "must be 1 to 3000")
      .max(3000, "must be 1 to 3000")
      .optional(),
  },
  { error: "must be an object" },
);

export const transcribeUtteranceAttrs = z.object({
  actionUrl: absoluteUrl(),
  playBeep: flag().optional(),
  record: transcribeRecordOptions.optional(),
  privacyForLogging: flag().optional(),
  privacyForRecording: flag().optional(),
  prompts: prompts().optional(),
});
export type TranscribeUtteranceAttrs = z.output<typeof transcribeUtteranceAttrs>;
