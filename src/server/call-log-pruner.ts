import { setImmediate as nextTurn } from "node:timers/promises";
import type { Logger } from "pino";
import type { CallLogRepo } from "../store/types.js";
import type { Clock } from "../time/clock.js";

/** Entries deleted per statement: short deletes, as the delivery log's pruning does. */
const BATCH = 100;

/**
 * Keeps call logs (docs/api/logs.md) to the webhook delivery log's retention
 * (--webhook-log-retention): deletes entries stored longer ago. It runs whenever the delivery log
 * is pruned, on that pruner's schedule, so Belay has one retention timer, not two.
 */
export class CallLogPruner {
  private running: Promise<number> | undefined;

  constructor(
    private readonly deps: { logs: CallLogRepo; clock: Clock; logger: Logger },
    private readonly pruning: { retentionMs: number },
  ) {}

  /** Resolves once a prune under way is done (so the store can close after it). */
  async stop(): Promise<void> {
    await this.running;
  }

  /** Deletes every entry past its retention; resolves with how many. Never rejects. */
  prune(): Promise<number> {
    this.running ??= this.deps.clock.track(this.pruneOnce()).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pruneOnce(): Promise<number> {
    const { logs, clock, logger } = this.deps;
    const before = clock.now() - this.pruning.retentionMs;
    let deleted = 0;
    try {
      for (;;) {
        const batch = await logs.deleteBefore(before, BATCH);
        deleted += batch;
        if (batch < BATCH) break;
        await nextTurn();
      }
    } catch (err) {
      logger.error({ err, deleted }, "call logs not pruned; the next prune tries again");
    }
    if (deleted > 0) {
      logger.info(
        { deleted, retentionMs: this.pruning.retentionMs },
        "call logs pruned: entries past their retention deleted",
      );
    }
    return deleted;
  }
}
