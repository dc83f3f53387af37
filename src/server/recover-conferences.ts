import type { Logger } from "pino";
import type { AppClient } from "../engine/ports.js";
import { recordingFields } from "../engine/recorder.js";
import type { ConferenceRow, LiveRecordingRow, RecordingRow, Store } from "../store/types.js";
import { conferenceBody } from "./recovered-webhooks.js";
import { sentSince } from "./sent-since.js";

/*
 * Conferences a dead process left running end at the next start (docs/operations/crash-recovery.md).
 * No call caused these webhooks, so they carry the conference's fields only, and they are filed in
 * the deliveries log under the conference's id rather than a call's: the outbox sends one key's
 * notifications in order (conferenceStatus before conferenceRecordingStatus), and a start that
 * repeats recovery after a crash finds what it already stored there.
 */

type Notifier = Pick<AppClient<unknown>, "notify">;

/**
 * Ends one conference: `conferenceStatus` `terminated` to its statusCallbackUrl (once), then its
 * row becomes terminated and its participants' rows go. In that order, so a crash in between
 * repeats only what is missing.
 */
export async function endConference(
  deps: { store: Store; logger: Logger },
  app: Notifier,
  conference: ConferenceRow,
): Promise<void> {
  const { store, logger } = deps;
  const { accountId, conferenceId, statusCallbackUrl } = conference;
  // The live conference's own conferenceStatus webhooks are filed under its id too: only a
  // "terminated" one means this was already sent.
  const sent = await sentSince(store, conferenceId, "conferenceStatus", 0, { status: "terminated" });
  if (statusCallbackUrl && !sent) {
    const body = conferenceBody(conference, "conferenceStatus");
    await app.notify({ accountId, callId: conferenceId, url: statusCallbackUrl, body });
  }
  await store.conferences.update(accountId, conferenceId, { status: "terminated" });
  const participants = await store.participants.deleteAll(accountId, conferenceId);
  logger.warn(
    { conferenceId, was: conference.status, participants },
    `conference ${conferenceId} was left ${conference.status} by a Belay process that died: terminated`,
  );
}

/**
 * A conference's recording kept after a crash: `conferenceRecordingStatus` to the conference's
 * statusCallbackUrl, once. None when no audio was kept: like a live conference whose recording
 * could not be stored, there is no Recording to describe.
 */
export async function announceConferenceRecording(
  deps: { store: Store; logger: Logger },
  app: Notifier,
  live: LiveRecordingRow,
  kept: RecordingRow | null,
  publicUrl: string,
): Promise<void> {
  const { store, logger } = deps;
  if (!kept || !live.conferenceId) return;
  const conference = await store.conferences.get(live.accountId, live.conferenceId);
  if (!conference) {
    logger.warn(
      { recordingId: live.recordingId, conferenceId: live.conferenceId },
      `recording ${live.recordingId} is kept, but its conference ${live.conferenceId} is not stored: no webhook`,
    );
    return;
  }
  const url = conference.statusCallbackUrl;
  if (!url) return;
  if (await sentSince(store, conference.conferenceId, "conferenceRecordingStatus", live.dateCreated)) return;
  const body = conferenceBody(conference, "conferenceRecordingStatus", recordingFields(kept, publicUrl));
  await app.notify({ accountId: conference.accountId, callId: conference.conferenceId, url, body });
}
