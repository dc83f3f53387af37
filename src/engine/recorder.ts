import { DEFAULTS } from "../contract/defaults.js";
import { newId } from "../contract/ids.js";
import type { Frame } from "../media/frame.js";
import { SIMULATED_WAV_CHUNK_BYTES, WAV_CHUNK_BYTES, WavWriter } from "../media/wav-write.js";
import type { BlobStore } from "../store/blob-store.js";
import type { RecordingRow, Store } from "../store/types.js";
import { type Clock, RealClock } from "./clock.js";

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

/** Opens recordings for one call. The WAV streams to the blob store frame by frame. */
export class Recorder {
  constructor(
    private readonly deps: RecorderDeps,
    private readonly accountId: string,
    private readonly callId: string,
  ) {}

  async open(): Promise<RecordingSink> {
    const recordingId = newId("RE");
    const blobKey = recordingBlobKey(this.accountId, recordingId);
    const blob = await this.deps.clock.track(this.deps.blobs.create(blobKey));
    const writer = new WavWriter(blob, {
      chunkBytes: this.deps.clock instanceof RealClock ? WAV_CHUNK_BYTES : SIMULATED_WAV_CHUNK_BYTES,
    });
    await this.deps.clock.track(writer.start());
    return new RecordingSink(this.deps, writer, {
      recordingId,
      blobKey,
      accountId: this.accountId,
      callId: this.callId,
    });
  }
}

export class RecordingSink {
  constructor(
    private readonly deps: RecorderDeps,
    private readonly writer: WavWriter,
    readonly ids: { recordingId: string; blobKey: string; accountId: string; callId: string },
  ) {}

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

  /** Makes the file durable, then stores its metadata: only then is it downloadable. */
  async finish(privacyMode: boolean): Promise<RecordingRow> {
    const { sizeBytes, durationMs } = await this.deps.clock.track(this.writer.finish());
    const completedAt = this.deps.clock.now();
    return this.deps.clock.track(
      this.deps.store.recordings.create({
        recordingId: this.ids.recordingId,
        accountId: this.ids.accountId,
        callId: this.ids.callId,
        conferenceId: null,
        blobKey: this.ids.blobKey,
        sizeBytes,
        durationMs,
        privacyMode,
        deleteAt: privacyMode ? completedAt + DEFAULTS.privacyRetentionMs : null,
      }),
    );
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }
}
