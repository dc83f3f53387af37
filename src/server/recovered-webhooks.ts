import type { WebhookBody } from "../engine/ports.js";
import { recordingUrl } from "../engine/recorder.js";
import type { CallRow, ConferenceRow, LiveRecordingRow, RecordingRow } from "../store/types.js";

/* The webhooks start-up owes for what a dead process left, built from what the store kept. */

/** A call webhook's common fields (docs/contract.md §1) from the call's row. */
export function callBody(
  row: CallRow,
  requestType: string,
  extra: Record<string, unknown> = {},
): WebhookBody {
  return {
    requestType,
    accountId: row.accountId,
    callId: row.callId,
    from: row.from,
    to: row.to,
    callStatus: row.status,
    direction: row.direction,
    conferenceId: null,
    queueId: null,
    parentCallId: row.parentCallId,
    ...extra,
  };
}

/** As after a hang-up (docs/recording.md): termReason hangup, callStatus completed; nulls when no audio. */
export function recordBody(
  call: CallRow,
  live: LiveRecordingRow,
  kept: RecordingRow | null,
  publicUrl: string,
): WebhookBody {
  return callBody(call, "record", {
    callStatus: "completed",
    recordingFormat: "audio/wav",
    termReason: "hangup",
    privacyMode: live.privacyMode,
    recordingId: kept ? kept.recordingId : null,
    recordingUrl: kept ? recordingUrl(publicUrl, kept.accountId, kept.recordingId) : null,
    recordingSize: kept ? String(kept.sizeBytes) : "0",
    recordingDurationSec: kept ? Math.ceil(kept.durationMs / 1000) : 0,
  });
}

/**
 * A conference notification no call caused (docs/conferences.md): the conference's fields only.
 * `status` is the conference's, which start-up has ended: terminated.
 */
export function conferenceBody(
  conference: ConferenceRow,
  requestType: "conferenceStatus" | "conferenceRecordingStatus",
  extra: Record<string, unknown> = {},
): WebhookBody {
  return {
    requestType,
    accountId: conference.accountId,
    conferenceId: conference.conferenceId,
    status: "terminated",
    ...extra,
  };
}
