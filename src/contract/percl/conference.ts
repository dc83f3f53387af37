import { z } from "zod";
import { absoluteUrl, flag, oneOf, resourceId, text } from "./fields.js";
import { RECORD_TRACKS } from "./record.js";

/**
 * Conferences. `callId` on the participant commands and `conferenceId` on TerminateConference are
 * legacy attributes: the current OpenAPI dropped them (the command acts on the calling leg), but
 * `@freeclimb/sdk` 2.1.3 still emits them, so they are kept for the engine to use or ignore.
 */

export const PLAY_BEEP_VALUES = ["always", "never", "entryOnly", "exitOnly"] as const;
export type ConferenceBeep = (typeof PLAY_BEEP_VALUES)[number];

/** FreeClimb's enum; the 2.1.3 SDK types it as a boolean, read as always/never. */
const conferenceBeep = () =>
  z
    .union([oneOf(PLAY_BEEP_VALUES), z.boolean(), z.null()], {
      error: `must be one of ${PLAY_BEEP_VALUES.map((v) => JSON.stringify(v)).join(", ")}`,
    })
    .transform((value): ConferenceBeep | undefined => {
      if (value === true) return "always";
      if (value === false) return "never";
      return value ?? undefined;
    });

export const createConferenceAttrs = z.object({
  /** Receives `createConference` once the conference exists. */
  actionUrl: absoluteUrl(),
  alias: text().optional(),
  playBeep: conferenceBeep().optional(),
  record: flag().optional(),
  statusCallbackUrl: absoluteUrl().optional(),
  waitUrl: absoluteUrl().optional(),
  parentCallId: text().optional(),
  /** Belay extension: with record, "separate" also records each participant's voice on its own. */
  tracks: oneOf(RECORD_TRACKS).optional(),
});
export type CreateConferenceAttrs = z.output<typeof createConferenceAttrs>;

export const addToConferenceAttrs = z.object({
  conferenceId: resourceId("CF"),
  callId: text().optional(),
  allowCallControl: flag().optional(),
  callControlSequence: text()
    .regex(/^[0-9#*]+$/, "must be a sequence of keys 0-9, # and *")
    .optional(),
  callControlUrl: absoluteUrl().optional(),
  leaveConferenceUrl: absoluteUrl().optional(),
  listen: flag().optional(),
  notificationUrl: absoluteUrl().optional(),
  startConfOnEnter: flag().optional(),
  talk: flag().optional(),
  dtmfPassThrough: flag().optional(),
});
export type AddToConferenceAttrs = z.output<typeof addToConferenceAttrs>;

export const removeFromConferenceAttrs = z.object({
  callId: text().optional(),
});
export type RemoveFromConferenceAttrs = z.output<typeof removeFromConferenceAttrs>;

export const terminateConferenceAttrs = z.object({
  conferenceId: text().optional(),
});
export type TerminateConferenceAttrs = z.output<typeof terminateConferenceAttrs>;

export const setListenAttrs = z.object({
  callId: text().optional(),
  listen: flag().optional(),
});
export type SetListenAttrs = z.output<typeof setListenAttrs>;

export const setTalkAttrs = z.object({
  callId: text().optional(),
  talk: flag().optional(),
});
export type SetTalkAttrs = z.output<typeof setTalkAttrs>;

export const setDtmfPassThroughAttrs = z.object({
  callId: text().optional(),
  dtmfPassThrough: flag().optional(),
});
export type SetDtmfPassThroughAttrs = z.output<typeof setDtmfPassThroughAttrs>;
