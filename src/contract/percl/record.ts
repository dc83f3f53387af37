import { z } from "zod";
import { absoluteUrl, count, dtmfKey, flag, oneOf } from "./fields.js";

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

/** Belay extension: how a call's two sides are recorded (docs/conferences.md). */
export const RECORD_TRACKS = ["mixed", "separate"] as const;
export type RecordTracks = (typeof RECORD_TRACKS)[number];

/**
 * FreeClimb's StartRecordCall has no attributes. `tracks` is Belay's: "separate" keeps what the
 * party says and what it hears on two channels, as transcription pipelines ask for.
 */
export const startRecordCallAttrs = z.object({
  tracks: oneOf(RECORD_TRACKS).optional(),
});
export type StartRecordCallAttrs = z.output<typeof startRecordCallAttrs>;
