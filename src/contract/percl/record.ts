import { z } from "zod";
import { absoluteUrl, count, dtmfKey, flag } from "./fields.js";

/** Recording the caller: the blocking RecordUtterance and the background StartRecordCall. */

export const recordUtteranceAttrs = z.object({
  actionUrl: absoluteUrl(),
  silenceTimeoutMs: count().optional(),
  finishOnKey: dtmfKey().optional(),
  maxLengthSec: count().optional(),
  playBeep: flag().optional(),
  autoStart: flag().optional(),
  privacyMode: flag().optional(),
});
export type RecordUtteranceAttrs = z.output<typeof recordUtteranceAttrs>;

/** FreeClimb defines no attributes for StartRecordCall. */
export const startRecordCallAttrs = z.object({});
export type StartRecordCallAttrs = z.output<typeof startRecordCallAttrs>;
