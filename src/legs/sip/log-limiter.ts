import type { Logger } from "pino";
import type { Clock, Timer } from "../../time/clock.js";

export interface LogLimit {
  /** Lines of one kind written per window; the rest are counted. */
  perWindow: number;
  windowMs: number;
}

/** 10 lines of each kind per 10 s: enough to see what is wrong, never a flood of lines. */
export const SIP_INPUT_LOG_LIMIT: LogLimit = { perWindow: 10, windowMs: 10_000 };

/**
 * Log lines about what remote peers send (malformed datagrams, requests refused at the limit) are
 * written at most `perWindow` per kind per window: a flood of junk must not become a flood of log
 * lines. What was held back is counted and reported in one line at the end of the window. Kinds
 * are Belay's own message texts, never remote input, so the map stays small.
 */
export class LogLimiter {
  private readonly windows = new Map<string, { written: number; suppressed: number; timer: Timer }>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limit: LogLimit = SIP_INPUT_LOG_LIMIT,
  ) {}

  warn(fields: Record<string, unknown>, message: string): void {
    let window = this.windows.get(message);
    if (!window) {
      const timer = this.clock.setTimeout(() => this.close(message), this.limit.windowMs);
      window = { written: 0, suppressed: 0, timer };
      this.windows.set(message, window);
    }
    if (window.written < this.limit.perWindow) {
      window.written++;
      this.logger.warn(fields, message);
    } else {
      window.suppressed++;
    }
  }

  /** Lines held back so far in the current windows (for tests). */
  get suppressed(): number {
    let total = 0;
    for (const window of this.windows.values()) total += window.suppressed;
    return total;
  }

  /** Reports what is held back and stops the timers (shutdown). */
  stop(): void {
    for (const message of [...this.windows.keys()]) this.close(message);
  }

  private close(message: string): void {
    const window = this.windows.get(message);
    if (!window) return;
    window.timer.cancel();
    this.windows.delete(message);
    if (window.suppressed > 0) {
      this.logger.warn(
        { suppressed: window.suppressed, windowMs: this.limit.windowMs },
        `${message} (${window.suppressed} more like it in the last ${this.limit.windowMs / 1000} s, not logged one by one)`,
      );
    }
  }
}
