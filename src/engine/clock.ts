/**
 * Every wait in the engine goes through a Clock, so the same code runs a live call in real time
 * and a virtual call on simulated time (a 60 s voicemail in milliseconds, with identical results).
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. Monotonic for the real clock. */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  /** Resolves true after `ms`, or false as soon as `signal` aborts. Never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * Waits for real I/O (a webhook, a file flush) without letting simulated time pass meanwhile,
   * so results do not depend on how fast the machine or the app is.
   */
  track<T>(work: Promise<T>): Promise<T>;
}

abstract class BaseClock implements Clock {
  abstract now(): number;
  abstract setTimeout(fn: () => void, ms: number): Timer;
  abstract track<T>(work: Promise<T>): Promise<T>;

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

  setTimeout(fn: () => void, ms: number): Timer {
    return new RealTimer(setTimeout(fn, Math.max(0, ms)));
  }

  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }
}

/** A simulated timer is its own handle: cancelling marks it, and the queue skips it. */
class PendingTimer implements Timer {
  cancelled = false;

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * Simulated time. It jumps straight to the next timer whenever nothing is in flight: no tracked
 * I/O pending and the microtask queue drained (it steps on setImmediate, after I/O callbacks).
 */
export class SimulatedClock extends BaseClock {
  private current: number;
  private seq = 0;
  private readonly queue: PendingTimer[] = [];
  private inFlight = 0;
  private stepScheduled = false;
  private readonly onStep = () => this.step();

  constructor(startMs: number = Date.now()) {
    super();
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
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

  private step(): void {
    this.stepScheduled = false;
    if (this.inFlight > 0) return;
    let next = this.queue.shift();
    while (next?.cancelled) next = this.queue.shift();
    if (!next) return;
    this.current = Math.max(this.current, next.at);
    this.scheduleStep();
    next.fn();
  }
}
