import type { ConferenceRow, ParticipantRow, PlayBeep } from "../store/types.js";

/*
 * The port the REST API calls for anything that changes a live conference. The conference engine
 * implements it; the API reads conferences and participants from the store and never touches the
 * mixer itself.
 */

export interface CreateConferenceRequest {
  accountId: string;
  alias: string | null;
  /** Default "always" (OpenAPI). */
  playBeep: PlayBeep;
  /** Default false. */
  record: boolean;
  waitUrl: string | null;
  /** Required by the OpenAPI CreateConferenceRequest. */
  statusCallbackUrl: string;
}

/** Why a live change was refused: the API maps it to its error (404 / 409 ...). */
export type ConferenceChange<T> =
  | { ok: true; row: T }
  | { ok: false; code: "notFound" | "terminated"; message: string };

export interface ConferenceControl {
  /** A new conference with no participants (status empty), on Belay's clock. */
  create(request: CreateConferenceRequest): Promise<ConferenceRow>;
  /** alias / playBeep; status "terminated" ends it (participants leave), "empty" removes every participant. */
  update(
    accountId: string,
    conferenceId: string,
    patch: { alias?: string; playBeep?: PlayBeep; status?: "empty" | "terminated" },
  ): Promise<ConferenceChange<ConferenceRow>>;
  updateParticipant(
    accountId: string,
    conferenceId: string,
    callId: string,
    patch: { talk?: boolean; listen?: boolean; dtmfPassThrough?: boolean },
  ): Promise<ConferenceChange<ParticipantRow>>;
  /** The participant leaves the conference (its call continues per its leaveConferenceUrl). */
  removeParticipant(accountId: string, conferenceId: string, callId: string): Promise<ConferenceChange<null>>;
}
