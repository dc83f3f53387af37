import type { CallResult, RecordingResult } from "../contract/rest.js";
import { rfc1123 } from "../contract/rest.js";
import type { CallRow, DeviceRow, RecordingRow } from "../store/types.js";

/** Store rows → FreeClimb REST shapes (exact field names; RFC 1123 dates; uri relative to /apiserver). */

export function presentRecording(row: RecordingRow): RecordingResult {
  return {
    uri: `/Accounts/${row.accountId}/Recordings/${row.recordingId}`,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
    recordingId: row.recordingId,
    accountId: row.accountId,
    callId: row.callId,
    durationSec: Math.ceil(row.durationMs / 1000),
    conferenceId: row.conferenceId,
  };
}

const seconds = (from: number | null, to: number | null) =>
  from === null || to === null ? null : Math.round((to - from) / 1000);
const date = (ms: number | null) => (ms === null ? null : rfc1123(ms));

export function presentCall(row: CallRow): CallResult {
  const uri = `/Accounts/${row.accountId}/Calls/${row.callId}`;
  return {
    uri,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
    callId: row.callId,
    parentCallId: row.parentCallId,
    accountId: row.accountId,
    from: row.from,
    to: row.to,
    phoneNumberId: row.phoneNumberId,
    status: row.status,
    callStatus: row.status,
    startTime: date(row.startTime),
    connectTime: date(row.connectTime),
    endTime: date(row.endTime),
    duration: seconds(row.startTime, row.endTime),
    connectDuration: seconds(row.connectTime, row.endTime),
    direction: row.direction,
    answeredBy: null,
    subresourceUris: { recordings: `${uri}/Recordings`, logs: `${uri}/Logs` },
    applicationId: row.applicationId,
  };
}

/** Belay's device shape (not a FreeClimb resource): times in ms from the answer, dates as RFC 1123. */
export function presentDevice(row: DeviceRow) {
  return {
    uri: `/belay/v1/devices/${encodeURIComponent(row.phoneNumber)}`,
    accountId: row.accountId,
    phoneNumber: row.phoneNumber,
    mode: row.mode,
    answerAfterMs: row.answerAfterMs,
    audioDurationMs: Math.round(row.audioSamples / 8),
    audioAtMs: row.audioAtMs,
    dtmf: row.dtmf,
    hangupAtMs: row.hangupAtMs,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
  };
}
export type DeviceResult = ReturnType<typeof presentDevice>;
