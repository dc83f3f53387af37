import type { ConferenceResult, ParticipantResult } from "../contract/rest.js";
import { rfc1123 } from "../contract/rest.js";
import type { ConferenceRow, ParticipantRow } from "../store/types.js";

/** Conference and participant rows → FreeClimb's shapes (uri relative to /apiserver, RFC 1123 dates). */

export function conferencePath(accountId: string, conferenceId: string): string {
  return `/Accounts/${accountId}/Conferences/${conferenceId}`;
}

export function presentConference(row: ConferenceRow): ConferenceResult {
  const uri = conferencePath(row.accountId, row.conferenceId);
  return {
    uri,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
    conferenceId: row.conferenceId,
    accountId: row.accountId,
    alias: row.alias,
    playBeep: row.playBeep,
    record: row.record,
    status: row.status,
    waitUrl: row.waitUrl,
    actionUrl: row.actionUrl,
    statusCallbackUrl: row.statusCallbackUrl,
    subresourceUris: { participants: `${uri}/Participants`, recordings: `${uri}/Recordings` },
  };
}

export function presentParticipant(row: ParticipantRow): ParticipantResult {
  return {
    uri: `${conferencePath(row.accountId, row.conferenceId)}/Participants/${row.callId}`,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
    accountId: row.accountId,
    conferenceId: row.conferenceId,
    callId: row.callId,
    talk: row.talk,
    listen: row.listen,
    dtmfPassThrough: row.dtmfPassThrough,
    startConfOnEnter: row.startConfOnEnter,
  };
}
