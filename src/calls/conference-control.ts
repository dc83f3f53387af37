import type { ConferenceRow, ParticipantRow, PlayBeep } from "../store/types.js";

export interface CreateConferenceRequest {
  accountId: string;
  alias: string | null;
  playBeep: PlayBeep;          // default "always" (OpenAPI)
  record: boolean;             // default false
  waitUrl: string | null;
  statusCallbackUrl: string;   // required by the OpenAPI CreateConferenceRequest
}

/** Why a live change was refused: the API maps it to its error (404 / 409 ...). */
export type ConferenceChange<T> = { ok: true; row: T } | { ok: false; code: "notFound" | "terminated"; message: string };

export interface ConferenceControl {
  /** A new conference with no participants (status empty), on Belay's clock. */
  create(request: CreateConferenceRequest): Promise<ConferenceRow>;
  /** alias / playBeep; status "terminated" ends it (participants leave), "empty" removes every participant. */
  update(accountId: string, conferenceId: string,
         patch: { alias?: string; playBeep?: PlayBeep; status?: "empty" | "terminated" }): Promise<ConferenceChange<ConferenceRow>>;
  updateParticipant(accountId: string, conferenceId: string, callId: string,
         patch: { talk?: boolean; listen?: boolean; dtmfPassThrough?: boolean }): Promise<ConferenceChange<ParticipantRow>>;
  /** The participant leaves the conference (its call continues per its leaveConferenceUrl). */
  removeParticipant(accountId: string, conferenceId: string, callId: string): Promise<ConferenceChange<null>>;
}
