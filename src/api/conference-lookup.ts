import type { ConferenceChange, ConferenceControl } from "../calls/conference-control.js";
import type { ConferenceRow, ParticipantRow, Store } from "../store/types.js";
import { type ApiErrorCode, apiError } from "./errors.js";
import { accountParams, idOf } from "./schemas.js";

/*
 * What the conference and participant routes share: their path params, finding the rows they
 * name (404 in FreeClimb's error shape), and turning the live engine's answers into REST errors.
 */

export const conferenceParams = accountParams.extend({ conferenceId: idOf("CF") });
export const participantParams = conferenceParams.extend({ callId: idOf("CA") });

export async function findConference(
  store: Store,
  accountId: string,
  conferenceId: string,
): Promise<ConferenceRow> {
  const row = await store.conferences.get(accountId, conferenceId);
  if (!row) throw apiError("CONFERENCE_NOT_FOUND", `conference ${conferenceId} not found`);
  return row;
}

/** The conference, refused with 409 once it has terminated: nothing of it can change any more. */
export async function findChangeableConference(
  store: Store,
  accountId: string,
  conferenceId: string,
): Promise<ConferenceRow> {
  const row = await findConference(store, accountId, conferenceId);
  if (row.status === "terminated")
    throw terminated(`conference ${conferenceId} has terminated`, conferenceId);
  return row;
}

export async function findParticipant(
  store: Store,
  accountId: string,
  conferenceId: string,
  callId: string,
): Promise<ParticipantRow> {
  const row = await store.participants.get(accountId, conferenceId, callId);
  if (!row) {
    throw apiError(
      "PARTICIPANT_NOT_FOUND",
      `call ${callId} is not a participant of conference ${conferenceId}`,
    );
  }
  return row;
}

/** The live engine, or 503: reads work from the store alone, changes need the engine. */
export function liveConferences(control: ConferenceControl | undefined): ConferenceControl {
  if (control) return control;
  throw apiError(
    "CONFERENCES_UNAVAILABLE",
    "conferences cannot be created or changed here: this Belay runs without a conference engine",
  );
}

/** The engine's answer, or the REST error for its refusal (`notFound` is the route's kind of 404). */
export function settled<T>(change: ConferenceChange<T>, notFound: ApiErrorCode, conferenceId: string): T {
  if (change.ok) return change.row;
  if (change.code === "terminated") throw terminated(change.message, conferenceId);
  throw apiError(notFound, change.message);
}

function terminated(message: string, conferenceId: string) {
  return apiError("CONFERENCE_TERMINATED", message, { conferenceId, status: "terminated" });
}
