import type { Logger } from "pino";
import type { Call } from "../engine/call.js";
import type { Engine } from "../engine/engine.js";
import type { CallLogRepo } from "../store/types.js";
import { type CallLogDraft, CallLogEntries } from "./call-log-entries.js";

/**
 * Stores every call's log (docs/api/logs.md) as its timeline unfolds. Writes go out in order per
 * call and are not tracked on the call's clock: the log never holds a call up. `settled()` says
 * when everything emitted so far is stored.
 */
export class CallLogWriter {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: { logs: CallLogRepo; logger: Logger }) {}

  /** Follows every call the engine starts from now on. */
  attach(engine: Engine): void {
    engine.onCall((call) => this.follow(call));
  }

  follow(call: Call): void {
    const entries = new CallLogEntries();
    // The row holds the call's start on its own clock (simulated for a fast virtual call).
    const startedAt = call.stored.then(
      (row) => row.startTime ?? row.dateCreated,
      () => undefined,
    );
    let queue: Promise<void> = Promise.resolve();
    call.onTimeline((event) => {
      const draft = entries.next(event);
      if (!draft) return;
      queue = queue.then(() => this.write(call, draft, startedAt));
      const written = queue;
      this.pending.add(written);
      void written.finally(() => this.pending.delete(written));
    });
  }

  /** Resolves once every entry emitted so far is stored (or its failure logged). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async write(
    call: Call,
    draft: CallLogDraft,
    startedAt: Promise<number | undefined>,
  ): Promise<void> {
    const start = await startedAt;
    if (start === undefined) return;
    try {
      await this.deps.logs.create({
        accountId: call.facts.accountId,
        callId: call.id,
        timestamp: Math.round((start + draft.at) * 1000),
        level: draft.level,
        requestId: draft.requestId,
        message: draft.message,
        metadata: draft.metadata,
      });
    } catch (err) {
      // The log is for inspection: losing an entry must not touch the call.
      this.deps.logger.warn({ err, callId: call.id }, "could not store a call log entry");
    }
  }
}
