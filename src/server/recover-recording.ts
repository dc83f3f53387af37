import { buffer } from "node:stream/consumers";
import type { Logger } from "pino";
import { DEFAULTS } from "../contract/defaults.js";
import { planWavRepair } from "../media/wav-repair.js";
import { WAV_HEADER_BYTES } from "../media/wav-write.js";
import type { BlobStore, PartialBlobs } from "../store/blob-store.js";
import type { LiveRecordingRow, RecordingRow, Store } from "../store/types.js";
import type { Clock } from "../time/clock.js";

export interface SettledRecording {
  live: LiveRecordingRow;
  /** The recording as kept; null when no audio had reached the disk. */
  kept: RecordingRow | null;
}

/**
 * Keeps a recording a dead process was writing, up to what reached the disk: its `.partial`
 * becomes a valid WAV with its row, or, with no audio, is removed. Safe to repeat.
 */
export async function settleRecording(
  deps: { store: Store; blobs: BlobStore & PartialBlobs; clock: Pick<Clock, "now">; logger: Logger },
  live: LiveRecordingRow,
): Promise<SettledRecording> {
  const { store, blobs, clock, logger } = deps;
  const existing = await store.recordings.getAnyAccount(live.recordingId);
  if (existing) {
    // It was stored just before the crash: only its live row was left.
    await blobs.deletePartial(live.blobKey);
    return { live, kept: existing };
  }
  let size: number;
  let durationMs: number;
  const partial = await blobs.inspectPartial(live.blobKey, WAV_HEADER_BYTES);
  if (partial) {
    const plan = planWavRepair(partial.head, partial.size);
    if (plan.kind === "empty") {
      await blobs.deletePartial(live.blobKey);
      logger.warn(
        { recordingId: live.recordingId, callId: live.callId, bytes: partial.size },
        `recording ${live.recordingId} left by a crash has no audio (${plan.why}): none is kept`,
      );
      return { live, kept: null };
    }
    ({ size } = await blobs.completePartial(live.blobKey, plan.size, plan.header));
    // Whole milliseconds, as stored: a crash cuts between frames, so this one may not be.
    durationMs = Math.floor(plan.durationMs);
  } else {
    // Finished and renamed, but its row was never stored; its header was already patched.
    const finished = await blobs.stat(live.blobKey);
    const plan = finished && planWavRepair(await readHead(blobs, live.blobKey, finished.size), finished.size);
    if (!finished || plan?.kind !== "repair") {
      if (finished) await blobs.delete(live.blobKey);
      return { live, kept: null };
    }
    size = finished.size;
    durationMs = Math.floor(plan.durationMs);
  }
  const row = await store.recordings.create({
    recordingId: live.recordingId,
    accountId: live.accountId,
    callId: live.callId,
    conferenceId: live.conferenceId,
    blobKey: live.blobKey,
    sizeBytes: size,
    durationMs,
    privacyMode: live.privacyMode,
    deleteAt: live.privacyMode ? clock.now() + DEFAULTS.privacyRetentionMs : null,
  });
  logger.warn(
    { recordingId: live.recordingId, callId: live.callId, kind: live.kind, durationMs, sizeBytes: size },
    `recording ${live.recordingId} left by a crash is kept: ${(durationMs / 1000).toFixed(2)} s of audio reached the disk`,
  );
  return { live, kept: row };
}

/** A finished blob's WAV header (its channel count says how long the audio is). */
async function readHead(blobs: BlobStore, key: string, size: number): Promise<Uint8Array> {
  if (size < WAV_HEADER_BYTES) return new Uint8Array(0);
  return new Uint8Array(await buffer(await blobs.read(key, { start: 0, end: WAV_HEADER_BYTES - 1 })));
}
