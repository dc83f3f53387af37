/**
 * Every wait in the engine goes through a Clock, so the same code runs a live call in real time
 * and a virtual call on simulated time (a 60 s voicemail in milliseconds, with identical results).
 */
export interface Timer {
  cancel(): void;
}

/**
 * What a timer callback may return to say it ran to the end synchronously: it settled no promise
 * and started no I/O, so nothing it did is left to run before the next timer. A SimulatedClock
 * then fires the next due timer in the same turn instead of one setImmediate later. Either way the
 * same timers fire at the same simulated times; a virtual call's 20 ms frames just cost less. The
 * real clock ignores it.
 */
export const RAN_TO_COMPLETION: unique symbol = Symbol("ran to completion");
/** Its result matters only when it is RAN_TO_COMPLETION. */
export type TimerCallback = () => unknown;

/**
 * Timers a SimulatedClock fires in one turn at most, so that other calls' clocks and I/O are not
 * kept waiting: 50 frames, one second of a virtual call's audio.
 */
export const MAX_TIMERS_PER_TURN = 50;

export interface Clock {
  /** Milliseconds since the epoch. Monotonic for the real clock. */
  now(): number;
  setTimeout(fn: TimerCallback, ms: number): Timer;
  /** Resolves true after `ms`, or false as soon as `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * Waits for real I/O (a webhook, a file flush) without letting simulated time pass meanwhile,
   * so results do not depend on how fast the machine or the app is.
   */
  track<T>(work: Promise<T>): Promise<T>;
  /**
   * Asked from inside a timer callback that has run to completion: may simulated time move on to
   * `at`, as if a timer the callback set for `at` had fired? A SimulatedClock says yes (and moves)
   * when no other timer is due by then, no tracked I/O is pending and the turn's
   * MAX_TIMERS_PER_TURN allow one more; then the caller goes straight on, with no timer made. The
   * real clock always says no.
   */
  advanceWithin(at: number): boolean;
}

abstract class BaseClock implements Clock {
  abstract now(): number;
  abstract setTimeout(fn: TimerCallback, ms: number): Timer;
  abstract track<T>(work: Promise<T>): Promise<T>;
  abstract advanceWithin(at: number): boolean;

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        timer.cancel();
        resolve(false);
      };
      const timer = this.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** A Node timer as a Timer: a class, not a closure per timer, since a call sets one every 20 ms. */
class RealTimer implements Timer {
  constructor(private readonly handle: NodeJS.Timeout) {}

  cancel(): void {
    clearTimeout(this.handle);
  }
}

export class RealClock extends BaseClock {
  // performance.now() is monotonic; anchoring it to timeOrigin keeps it comparable to Date.now().
  // Whole milliseconds: timestamps are stored as integers.
  now(): number {
    return Math.floor(performance.timeOrigin + performance.now());
  }

  setTimeout(fn: TimerCallback, ms: number): Timer {
    return new RealTimer(setTimeout(fn, Math.max(0, ms)));
  }

  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }

  advanceWithin(): boolean {
    return false;
  }
}

/** A simulated timer is its own handle: cancelling marks it, and the queue skips it. */
class PendingTimer implements Timer {
  cancelled = false;

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: TimerCallback,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * Simulated time. It jumps straight to the next timer whenever nothing is in flight: no tracked
 * I/O pending and the microtask queue drained (it steps on setImmediate, after I/O callbacks).
 * After a callback that returns RAN_TO_COMPLETION the queue is still drained, so it goes straight
 * on to the next timer, up to MAX_TIMERS_PER_TURN in one turn.
 */
export class SimulatedClock extends BaseClock {
  private current: number;
  private seq = 0;
  private readonly queue: PendingTimer[] = [];
  private inFlight = 0;
  private stepScheduled = false;
  private turnsFiring = 0;
  /** Timers (or advances) the current turn may still fire; 0 outside step(). */
  private budget = 0;
  private readonly onStep = () => this.step();

  constructor(startMs: number = Date.now()) {
    super();
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: TimerCallback, ms: number): Timer {
    const timer = new PendingTimer(this.current + Math.max(0, ms), this.seq++, fn);
    this.insert(timer);
    this.scheduleStep();
    return timer;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    const done = () => {
      this.inFlight--;
      this.scheduleStep();
    };
    work.then(done, done);
    return work;
  }

  /** Event-loop turns in which timers fired; shows that frames run many to a turn. */
  turnsTaken(): number {
    return this.turnsFiring;
  }

  /** Timers not yet fired (cancelled ones excluded); useful to assert a clean shutdown. */
  pendingTimers(): number {
    return this.queue.filter((t) => !t.cancelled).length;
  }

  private insert(timer: PendingTimer): void {
    // Binary search keeps the queue ordered by (at, seq): equal times fire in scheduling order.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.queue[mid] as PendingTimer;
      if (other.at < timer.at || (other.at === timer.at && other.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, timer);
  }

  private scheduleStep(): void {
    if (this.stepScheduled) return;
    this.stepScheduled = true;
    setImmediate(this.onStep);
  }

  advanceWithin(at: number): boolean {
    if (this.budget === 0 || this.inFlight > 0 || at < this.current) return false;
    const head = this.nextLive();
    // A timer due at `at` itself was set before the caller's would have been: it goes first.
    if (head !== undefined && head.at <= at) return false;
    this.budget--;
    this.current = at;
    return true;
  }

  /** The earliest timer not cancelled, left in the queue; cancelled ones before it are dropped. */
  private nextLive(): PendingTimer | undefined {
    while (this.queue[0]?.cancelled) this.queue.shift();
    return this.queue[0];
  }

  private step(): void {
    this.stepScheduled = false;
    this.budget = MAX_TIMERS_PER_TURN;
    try {
      while (this.budget > 0 && this.inFlight === 0) {
        const next = this.nextLive();
        if (!next) return;
        this.queue.shift();
        if (this.budget === MAX_TIMERS_PER_TURN) this.turnsFiring++;
        this.budget--;
        this.current = Math.max(this.current, next.at);
        // Scheduled before the callback runs, so a callback that throws does not stop the clock.
        this.scheduleStep();
        if (next.fn() !== RAN_TO_COMPLETION) return;
      }
    } finally {
      this.budget = 0;
    }
  }
}
