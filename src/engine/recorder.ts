import { DEFAULTS } from "../contract/defaults.js";
import { newId } from "../contract/ids.js";
import type { ConferenceRecordingStatusWebhook } from "../contract/webhooks.js";
import { BelayError, isDiskFullError, onceMoreIfDiskFull } from "../errors.js";
import type { Frame } from "../media/frame.js";
import { SIMULATED_WAV_CHUNK_BYTES, WAV_CHUNK_BYTES, WavWriter } from "../media/wav-write.js";
import type { BlobStore, BlobWriter } from "../store/blob-store.js";
import type { RecordingRow, Store } from "../store/types.js";
import { type Clock, RealClock } from "../time/clock.js";

export interface RecorderDeps {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
}

export function recordingBlobKey(accountId: string, recordingId: string): string {
  return `recordings/${accountId}/${recordingId}.wav`;
}

export function recordingUrl(publicUrl: string, accountId: string, recordingId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/apiserver/Accounts/${accountId}/Recordings/${recordingId}/Download`;
}

/** What a webhook tells of a stored recording: callStatus (StartRecordCall), conferenceRecordingStatus. */
export type RecordingFields = Pick<
  ConferenceRecordingStatusWebhook,
  "recordingId" | "recordingUrl" | "recordingSize" | "recordingFormat" | "recordingDurationSec"
>;

export function recordingFields(row: RecordingRow, publicUrl: string): RecordingFields {
  return {
    recordingId: row.recordingId,
    recordingUrl: recordingUrl(publicUrl, row.accountId, row.recordingId),
    // Bytes of the whole file as a decimal string, the duration rounded up: FreeClimb's types.
    recordingSize: String(row.sizeBytes),
    recordingFormat: "audio/wav",
    recordingDurationSec: Math.ceil(row.durationMs / 1000),
  };
}

/**
 * What a recording is for, which says how it is announced (also by start-up after a crash):
 * RecordUtterance's `record` webhook to its actionUrl, StartRecordCall's fields in the call's
 * callStatus, or the conference's conferenceRecordingStatus (its Recorder names the conference).
 */
export type RecordingPurpose =
  | { kind: "utterance"; actionUrl: string; privacyMode: boolean }
  | { kind: "call" }
  | { kind: "conference" };

/**
 * Opens recordings for one call, or for a conference (then `callId` is the call it is filed
 * under). The WAV streams to the blob store frame by frame.
 */
export class Recorder {
  constructor(
    private readonly deps: RecorderDeps,
    private readonly accountId: string,
    private readonly callId: string,
    private readonly conferenceId: string | null = null,
  ) {}

  /**
   * Notes the recording as live (with what it is for), then creates its file: a crash from here on
   * leaves what start-up needs to keep the audio and tell the app, and a file on disk always has
   * its row (start-up removes any other unfinished file as an orphan).
   */
  async open(purpose: RecordingPurpose, format: { channels?: 1 | 2 } = {}): Promise<RecordingSink> {
    if ((purpose.kind === "conference") !== (this.conferenceId !== null)) {
      throw new BelayError(
        "ENGINE_RECORDING_KIND_MISMATCH",
        `a ${purpose.kind} recording cannot be opened by a Recorder ${this.conferenceId ? "for" : "without"} a conference`,
        { kind: purpose.kind, conferenceId: this.conferenceId },
      );
    }
    const recordingId = newId("RE");
    const blobKey = recordingBlobKey(this.accountId, recordingId);
    const ids = { recordingId, blobKey, accountId: this.accountId, callId: this.callId };
    const { clock, blobs, store } = this.deps;
    const live = {
      ...ids,
      kind: purpose.kind,
      conferenceId: this.conferenceId,
      actionUrl: purpose.kind === "utterance" ? purpose.actionUrl : "",
      privacyMode: purpose.kind === "utterance" ? purpose.privacyMode : false,
    };
    await clock.track(store.live.addRecording(live));
    let blob: BlobWriter;
    try {
      blob = await clock.track(blobs.create(blobKey));
    } catch (err) {
      await clock.track(store.live.removeRecording(recordingId)).catch(() => undefined);
      throw err;
    }
    const failed = new WriteFailure();
    const writer = new WavWriter(blob, {
      chunkBytes: clock instanceof RealClock ? WAV_CHUNK_BYTES : SIMULATED_WAV_CHUNK_BYTES,
      channels: format.channels ?? 1,
      onWriteError: (err) => failed.report(err),
    });
    await clock.track(writer.start());
    return new RecordingSink(this.deps, writer, failed, { ...ids, conferenceId: this.conferenceId });
  }
}

/** The first failed write of a recording, for whoever waits to stop recording when the disk fills. */
class WriteFailure {
  private listener: (() => void) | undefined;
  private full = false;

  report(err: unknown): void {
    if (!isDiskFullError(err) || this.full) return;
    this.full = true;
    this.listener?.();
  }

  onDiskFull(listener: () => void): void {
    this.listener = listener;
    if (this.full) listener();
  }
}

export class RecordingSink {
  constructor(
    private readonly deps: RecorderDeps,
    private readonly writer: WavWriter,
    private readonly failure: WriteFailure,
    readonly ids: {
      recordingId: string;
      blobKey: string;
      accountId: string;
      callId: string;
      conferenceId: string | null;
    },
  ) {}

  /** Calls `listener` once the disk turns out full (now, if it already has): recording should stop. */
  onDiskFull(listener: () => void): void {
    this.failure.onDiskFull(listener);
  }

  get recordingId(): string {
    return this.ids.recordingId;
  }

  /** Samples written so far. */
  get samples(): number {
    return this.writer.samples;
  }

  /** True when the frame filled a chunk and the chunk went to the blob (I/O started). */
  append(frame: Frame): boolean {
    return this.writer.append(frame);
  }

  /**
   * Makes the file durable, then stores its metadata: only then is it downloadable. A file whose
   * row cannot be stored is deleted, so no recording exists without its row. It stops being live
   * in the same commit as the row (a marker left behind, should that removal fail, is harmless:
   * start-up sees the recording row and keeps it).
   */
  async finish(privacyMode: boolean): Promise<RecordingRow> {
    const { sizeBytes, durationMs } = await this.deps.clock.track(this.writer.finish());
    const completedAt = this.deps.clock.now();
    // The live marker goes in the same event-loop turn as the row, so the two share one commit:
    // finishing takes no turn of its own after the row, on the way to the webhook.
    const storing = this.storeRow(privacyMode, sizeBytes, durationMs, completedAt);
    const forgotten = this.forgetLive().then(
      () => true,
      () => false,
    );
    // Once more if that removal failed.
    const forgetIfLeft = async () => {
      if (!(await forgotten)) await this.forgetLive().catch(() => undefined);
    };
    let row: RecordingRow;
    try {
      row = await storing;
    } catch (err) {
      await forgotten;
      await this.deps.clock.track(this.deps.blobs.delete(this.ids.blobKey)).catch(() => undefined);
      await forgetIfLeft();
      throw err;
    }
    // A marker left behind is harmless: start-up finds the recording's row and drops it.
    await forgetIfLeft();
    return row;
  }

  private storeRow(
    privacyMode: boolean,
    sizeBytes: number,
    durationMs: number,
    completedAt: number,
  ): Promise<RecordingRow> {
    const row = {
      recordingId: this.ids.recordingId,
      accountId: this.ids.accountId,
      callId: this.ids.callId,
      conferenceId: this.ids.conferenceId,
      blobKey: this.ids.blobKey,
      sizeBytes,
      durationMs,
      privacyMode,
      deleteAt: privacyMode ? completedAt + DEFAULTS.privacyRetentionMs : null,
    };
    // The row is what makes the recording exist: worth a second try on a full disk.
    return onceMoreIfDiskFull(() => this.deps.clock.track(this.deps.store.recordings.create(row)));
  }

  /** Throws the file away; the recording is no longer live. */
  async abort(): Promise<void> {
    await this.writer.abort();
    await this.forgetLive();
  }

  private forgetLive(): Promise<void> {
    return this.deps.clock.track(this.deps.store.live.removeRecording(this.ids.recordingId));
  }
}
