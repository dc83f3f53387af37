import { z } from "zod";
import { absoluteUrl, count, flag, integer, nonEmptyText, text } from "./fields.js";
import { prompts } from "./prompts.js";

/** DTMF in both directions: collecting the caller's keys and sending tones down the call. */

export const getDigitsAttrs = z.object({
  actionUrl: absoluteUrl(),
  initialTimeoutMs: count().optional(),
  digitTimeoutMs: count().optional(),
  /** One key that completes the input; "" means no key does. */
  finishOnKey: text()
    .regex(/^[0-9#*]?$/, "must be one key (0-9, # or *), or empty for none")
    .optional(),
  minDigits: count().optional(),
  maxDigits: count().optional(),
  flushBuffer: flag().optional(),
  prompts: prompts().optional(),
  privacyMode: flag().optional(),
});
export type GetDigitsAttrs = z.output<typeof getDigitsAttrs>;

export const sendDigitsAttrs = z.object({
  /** Digits, `#` and `*`, possibly with FreeClimb's embedded pause markers. */
  digits: nonEmptyText(),
  /** FreeClimb adjusts values outside 100-1000 ms into that range rather than rejecting them. */
  pauseMs: integer().optional(),
  privacyMode: flag().optional(),
});
export type SendDigitsAttrs = z.output<typeof sendDigitsAttrs>;
