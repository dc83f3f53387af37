import type { Logger } from "pino";
import type { Clock, Timer } from "../engine/clock.js";
import type { BlobStore } from "../store/blob-store.js";
import type { Store } from "../store/types.js";

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
    const { store, blobs, clock, logger } = this.deps;
    let deleted = 0;
    try {
      for (const row of await store.recordings.listExpired(clock.now())) {
        await blobs.delete(row.blobKey);
        await store.recordings.delete(row.accountId, row.recordingId);
        logger.info(
          { recordingId: row.recordingId },
          "privacyMode recording deleted after its retention time",
        );
        deleted++;
      }
    } catch (err) {
      logger.error({ err }, "privacy sweep failed; it will run again");
    }
    return deleted;
  }
}
