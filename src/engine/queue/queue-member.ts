import type { Clock } from "../../time/clock.js";

/** Why a caller left a queue it was in (OpenAPI QueueResultStatus, less queueFull: it never got in). */
export type QueueExit = "dequeued" | "hangup" | "systemError";

/** How a member's time in the queue ended. */
export interface QueueLeave {
  result: QueueExit;
  /** Whole seconds in the queue (queueTime). */
  seconds: number;
}

/** What the REST API and the queueWait webhook report of a member (OpenAPI QueueMember). */
export interface MemberView {
  callId: string;
  /** 1 is the front of the queue. */
  position: number;
  /** Whole seconds in the queue so far, on the member's call's clock. */
  waitTime: number;
  /** When it joined, epoch ms on its call's clock. */
  dateEnqueued: number;
}

/**
 * A call waiting in a queue. Its time is told by its own call's clock, so a virtual caller on
 * simulated time waits twenty simulated minutes in milliseconds.
 */
export class QueueMember {
  readonly left: Promise<QueueLeave>;
  private settle!: (leave: QueueLeave) => void;
  private over = false;
  private readonly leaving = new AbortController();

  constructor(
    readonly accountId: string,
    readonly queueId: string,
    readonly callId: string,
    readonly clock: Clock,
    readonly enqueuedAt: number,
  ) {
    this.left = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  /**
   * Aborts the moment the member leaves, in the same turn (`left` resolves a microtask later): a
   * wait script stops before it asks for another queueWait with a position the member has lost.
   */
  get leftSignal(): AbortSignal {
    return this.leaving.signal;
  }

  get inQueue(): boolean {
    return !this.over;
  }

  waitSeconds(): number {
    return Math.max(0, Math.floor((this.clock.now() - this.enqueuedAt) / 1000));
  }

  /** Only the registry calls this, having taken the member out of its queue. */
  finish(result: QueueExit): QueueLeave | undefined {
    if (this.over) return undefined;
    this.over = true;
    const leave = { result, seconds: this.waitSeconds() };
    this.settle(leave);
    this.leaving.abort();
    return leave;
  }
}
