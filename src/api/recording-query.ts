import { z } from "zod";
import type { RecordingFilter } from "../store/types.js";
import { idOf, pageQuery } from "./schemas.js";

export const DAY_MS = 24 * 3600 * 1000;

/** Epoch ms of a `YYYY-MM-DD` day's start in UTC, or undefined unless that day exists. */
export function utcDayStart(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2026-02-31 over into March; a real day round-trips.
  const date = new Date(ms);
  const same =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return same ? ms : undefined;
}

/** `dateCreated`: a UTC day, `YYYY-MM-DD`. */
export const utcDay = z
  .string()
  .refine((text) => utcDayStart(text) !== undefined, "must be a real day written YYYY-MM-DD (UTC)")
  .meta({ example: "2026-02-27" });

/** The Calls/{CA}/Recordings query: paging and the creation day. */
export const callRecordingsQuery = pageQuery.extend({ dateCreated: utcDay.optional() });

/** The Conferences/{CF}/Recordings query: paging, the creation day and the call. */
export const conferenceRecordingsQuery = callRecordingsQuery.extend({ callId: idOf("CA").optional() });

/** The Recordings list query: FreeClimb's three filters and paging. */
export const recordingsQuery = callRecordingsQuery.extend({
  callId: idOf("CA").optional(),
  conferenceId: idOf("CF").optional(),
});

/** The query's filters as the store takes them, and as nextPageUri carries them on. */
export function recordingFilter(query: {
  callId?: string | undefined;
  conferenceId?: string | undefined;
  dateCreated?: string | undefined;
}): { filter: RecordingFilter; carried: Record<string, string | undefined> } {
  const filter: RecordingFilter = {};
  if (query.callId !== undefined) filter.callId = query.callId;
  if (query.conferenceId !== undefined) filter.conferenceId = query.conferenceId;
  if (query.dateCreated !== undefined) {
    const start = utcDayStart(query.dateCreated) as number;
    filter.createdFrom = start;
    filter.createdTo = start + DAY_MS;
  }
  return {
    filter,
    carried: { callId: query.callId, conferenceId: query.conferenceId, dateCreated: query.dateCreated },
  };
}
