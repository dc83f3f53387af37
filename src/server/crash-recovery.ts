import type { Logger } from "pino";
import type { AppClient } from "../engine/ports.js";
import { recordingFields } from "../engine/recorder.js";
import type { BlobStore, PartialBlobs } from "../store/blob-store.js";
import {
  ACTIVE_CALL_STATUSES,
  type CallRow,
  type CallStatus,
  type ConferenceRow,
  type LiveCallRow,
  type LiveRecordingKind,
  type Store,
} from "../store/types.js";
import type { Clock } from "../time/clock.js";
import { announceConferenceRecording, endConference } from "./recover-conferences.js";
import { type SettledRecording, settleRecording } from "./recover-recording.js";
import { callBody, recordBody } from "./recovered-webhooks.js";
import { sentSince } from "./sent-since.js";

/** The reason a call left live by a process that died ends with (docs/operations/crash-recovery.md). */
export const CRASH_END_REASON = "internalError";

export interface RecoveryDeps {
  store: Store;
  blobs: BlobStore & PartialBlobs;
  clock: Pick<Clock, "now">;
  logger: Logger;
  /** When the process that left the work was last alive (its lock's heartbeat), if known. */
  lastAliveAt?: number | undefined;
}

interface SettledCall {
  callId: string;
  live: LiveCallRow | undefined;
  /** The call's row, ended; undefined when its row was never stored. */
  row: CallRow | undefined;
}

export interface RecoverySummary {
  callsEnded: number;
  /** Conferences left unterminated: ended by `notify`, once their webhooks can be stored. */
  conferencesLeft: number;
  recordingsKept: number;
  recordingsEmpty: number;
  orphansRemoved: number;
}

/**
 * Finishes what a process that died left on the data folder, in two steps. `settle` runs at
 * start-up before any call can start, so everything live in the store or on disk is the dead
 * process's: recordings are kept up to what reached the disk, calls are ended, files no row
 * speaks for are removed. `notify`, once the public URL is known, stores the webhooks the app is
 * owed in the outbox and only then forgets the live rows and ends the conferences (ending one is
 * what its webhook announces, so it comes after it), so a crash during recovery repeats
 * what is missing and nothing twice (a webhook already stored for the call, or the conference, is
 * not stored again).
 */
export class CrashRecovery {
  private constructor(
    private readonly deps: RecoveryDeps,
    private readonly recordings: SettledRecording[],
    private readonly calls: SettledCall[],
    private readonly conferences: ConferenceRow[],
    readonly summary: RecoverySummary,
  ) {}

  get empty(): boolean {
    return this.recordings.length === 0 && this.calls.length === 0 && this.conferences.length === 0;
  }

  static async settle(deps: RecoveryDeps): Promise<CrashRecovery> {
    const { store, blobs, logger } = deps;
    // Listed before the rows: every unfinished file has its live row (Recorder.open writes it first).
    const partials = await blobs.listPartials();
    const liveRecordings = await store.live.listRecordings();
    const liveCalls = await store.live.listCalls();
    const active = await store.calls.listActiveAnyAccount();
    const conferences = await store.conferences.listUnterminated();
    const summary: RecoverySummary = {
      callsEnded: 0,
      conferencesLeft: conferences.length,
      recordingsKept: 0,
      recordingsEmpty: 0,
      orphansRemoved: 0,
    };

    const recordings: SettledRecording[] = [];
    for (const live of liveRecordings) {
      try {
        const settled = await settleRecording(deps, live);
        recordings.push(settled);
        if (settled.kept) summary.recordingsKept++;
        else summary.recordingsEmpty++;
      } catch (err) {
        logger.error({ err, recordingId: live.recordingId }, "could not keep a recording left by a crash");
      }
    }
    const known = new Set(liveRecordings.map((r) => r.blobKey));
    for (const key of partials) {
      if (known.has(key)) continue;
      try {
        await blobs.deletePartial(key);
        summary.orphansRemoved++;
        logger.warn({ key }, `removed ${key}.partial: an unfinished file no live recording speaks for`);
      } catch (err) {
        logger.error({ err, key }, `could not remove the unfinished file ${key}.partial`);
      }
    }

    const liveById = new Map(liveCalls.map((c) => [c.callId, c]));
    const activeById = new Map(active.map((c) => [c.callId, c]));
    const calls: SettledCall[] = [];
    for (const callId of new Set([...activeById.keys(), ...liveById.keys()])) {
      const live = liveById.get(callId);
      try {
        let row = activeById.get(callId) ?? (live && (await store.calls.get(live.accountId, callId)));
        if (row && ACTIVE_CALL_STATUSES.includes(row.status)) {
          row = await endCall(deps, row);
          summary.callsEnded++;
        }
        calls.push({ callId, live, row });
      } catch (err) {
        logger.error({ err, callId }, "could not end a call left live by a crash");
      }
    }
    return new CrashRecovery(deps, recordings, calls, conferences, summary);
  }

  /**
   * Stores the webhooks the app is owed, then forgets the live rows: RecordUtterance's `record`
   * webhooks; each conference's `conferenceStatus` `terminated`, then its recording's
   * `conferenceRecordingStatus`; each call's callStatus (with its StartRecordCall recording's
   * fields), a call's `record` always before its callStatus.
   */
  async notify(app: Pick<AppClient<unknown>, "notify">, publicUrl: string): Promise<void> {
    const { store, logger } = this.deps;
    const ofKind = (kind: LiveRecordingKind) => this.recordings.filter((r) => r.live.kind === kind);
    for (const { live, kept } of ofKind("utterance")) {
      try {
        const call = await store.calls.get(live.accountId, live.callId);
        const sent = call && (await sentSince(store, live.callId, "record", live.dateCreated));
        if (call && !sent) {
          const body = recordBody(call, live, kept, publicUrl);
          await app.notify({ accountId: live.accountId, callId: live.callId, url: live.actionUrl, body });
        }
        await store.live.removeRecording(live.recordingId);
      } catch (err) {
        logger.error(
          { err, recordingId: live.recordingId },
          "could not queue the record webhook of a recovered recording",
        );
      }
    }
    // A conference not ended keeps its recording owed too: its conferenceStatus must come first.
    const notEnded = new Set<string>();
    for (const conference of this.conferences) {
      try {
        await endConference(this.deps, app, conference);
      } catch (err) {
        notEnded.add(conference.conferenceId);
        logger.error(
          { err, conferenceId: conference.conferenceId },
          "could not end a conference left by a crash",
        );
      }
    }
    for (const { live, kept } of ofKind("conference")) {
      if (live.conferenceId && notEnded.has(live.conferenceId)) continue;
      try {
        await announceConferenceRecording(this.deps, app, live, kept, publicUrl);
        await store.live.removeRecording(live.recordingId);
      } catch (err) {
        logger.error(
          { err, recordingId: live.recordingId, conferenceId: live.conferenceId },
          "could not queue the conferenceRecordingStatus of a recovered recording",
        );
      }
    }
    // A StartRecordCall recording is forgotten only once its call's callStatus is stored.
    const callRecordings = new Map(ofKind("call").map((r) => [r.live.callId, r]));
    for (const { callId, live, row } of this.calls) {
      const recording = callRecordings.get(callId);
      callRecordings.delete(callId);
      try {
        const recorded = recording?.kept ? recordingFields(recording.kept, publicUrl) : {};
        if (row) await this.notifyEnded(app, row, live, recorded);
        if (recording) await store.live.removeRecording(recording.live.recordingId);
        if (live) await store.live.removeCall(callId);
      } catch (err) {
        logger.error({ err, callId }, "could not queue the callStatus of a call ended after a crash");
      }
    }
    // A call recording whose call had already ended: the Recording is kept, nothing is owed.
    for (const { live } of callRecordings.values()) {
      await store.live
        .removeRecording(live.recordingId)
        .catch((err: unknown) =>
          logger.error({ err, recordingId: live.recordingId }, "could not forget a recovered recording"),
        );
    }
  }

  private async notifyEnded(
    app: Pick<AppClient<unknown>, "notify">,
    row: CallRow,
    live: LiveCallRow | undefined,
    recorded: Record<string, unknown>,
  ): Promise<void> {
    const { store } = this.deps;
    const target = { accountId: row.accountId, callId: row.callId };
    // A call Belay placed that never connected still owes its callConnectUrl the outcome (contract §4).
    if (
      live?.connectUrl &&
      row.connectTime === null &&
      !(await sentSince(store, row.callId, "outDialApiConnect", 0))
    ) {
      await app.notify({ ...target, url: live.connectUrl, body: callBody(row, "outDialApiConnect") });
    }
    // Without a live row (a call from before this version), the application's status URL.
    const statusUrl = live ? live.statusCallbackUrl : await applicationStatusUrl(store, row);
    if (statusUrl && !(await sentSince(store, row.callId, "callStatus", 0))) {
      const body = callBody(row, "callStatus", { callEndedReason: row.callEndedReason, ...recorded });
      await app.notify({ ...target, url: statusUrl, body });
    }
  }
}

/**
 * Ends a call its process left live. endTime is the last moment that process is known to have been
 * alive (the lock's heartbeat, or the call's last stored change), never the restart, which may
 * come hours later. Answered calls end `completed`, the others `failed`, as any call ending with
 * `internalError` does.
 */
async function endCall(deps: RecoveryDeps, row: CallRow): Promise<CallRow> {
  const { store, clock, logger, lastAliveAt } = deps;
  const evidence = Math.max(row.startTime ?? 0, row.connectTime ?? 0, row.dateUpdated, lastAliveAt ?? 0);
  const endTime = Math.floor(Math.min(clock.now(), evidence));
  const status: CallStatus = row.connectTime !== null || row.status === "inProgress" ? "completed" : "failed";
  const ended = await store.calls.update(row.accountId, row.callId, {
    status,
    endTime,
    callEndedReason: CRASH_END_REASON,
  });
  logger.warn(
    { callId: row.callId, was: row.status, status, reason: CRASH_END_REASON, endTime },
    `call ${row.callId} was left ${row.status} by a Belay process that died: ended ${status} (${CRASH_END_REASON})`,
  );
  return ended ?? { ...row, status, endTime, callEndedReason: CRASH_END_REASON };
}

async function applicationStatusUrl(store: Store, row: CallRow): Promise<string | null> {
  if (!row.applicationId) return null;
  return (await store.applications.get(row.accountId, row.applicationId))?.statusCallbackUrl ?? null;
}
