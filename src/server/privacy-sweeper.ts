import type { Logger } from "pino";
import type { BlobStore } from "../store/blob-store.js";
import type { RecordingRow, Store } from "../store/types.js";
import type { Clock, Timer } from "../time/clock.js";

/**
 * Deletes privacyMode recordings (file, then metadata) once their two minutes are up. The
 * deadline is stored with the recording, so a restart deletes what came due while Belay was down.
 */
export class PrivacySweeper {
  private timer: Timer | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly deps: { store: Store; blobs: BlobStore; clock: Clock; logger: Logger },
    private readonly everyMs: number,
  ) {}

  start(): void {
    void this.sweep();
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Deletes every recording due by now; resolves with how many were deleted. */
  sweep(): Promise<number> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    this.timer = this.deps.clock.setTimeout(() => {
      void this.sweep();
      this.schedule();
    }, this.everyMs);
  }

  private async sweepOnce(): Promise<number> {
    const { store, clock, logger } = this.deps;
    let due: RecordingRow[];
    try {
      due = await store.recordings.listExpired(clock.now());
    } catch (err) {
      logger.error({ err }, "privacy sweep failed; it will run again");
      return 0;
    }
    let deleted = 0;
    // One recording that cannot be deleted (a file the process may not remove) must not keep the
    // others past their deadline: each is tried on its own, and the failed one again next sweep.
    for (const row of due) {
      try {
        await this.deleteOne(row);
        deleted++;
      } catch (err) {
        logger.error(
          { err, recordingId: row.recordingId },
          "privacyMode recording not deleted; next sweep retries",
        );
      }
    }
    return deleted;
  }

  /** File first, then metadata: a failure leaves the row, so the next sweep finds it again. */
  private async deleteOne(row: RecordingRow): Promise<void> {
    await this.deps.blobs.delete(row.blobKey);
    await this.deps.store.recordings.delete(row.accountId, row.recordingId);
    this.deps.logger.info(
      { recordingId: row.recordingId },
      "privacyMode recording deleted after its retention time",
    );
  }
}
