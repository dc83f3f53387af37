import type { Logger } from "pino";
import type { Clock, Timer } from "../../../engine/clock.js";
import { FRAME_MS } from "../../../media/frame.js";

/**
 * One timer for the 20 ms playout ticks of every RTP session in the process, instead of one timer
 * per session per frame. A session joins with its start time and is called back every 20 ms at
 * its phase (its start time modulo 20 ms) or just after; sessions sharing a phase share a wake-up.
 * So a thousand calls cost at most one timer per millisecond, not fifty thousand a second, and
 * nothing is allocated per frame.
 *
 * A callback may also come early or twice (a session added between wake-ups); sessions deliver
 * the frames their own clock says are due, so an extra call does nothing.
 */
export class FrameTicker {
  private readonly phases: Array<Set<() => void>> = Array.from({ length: FRAME_MS }, () => new Set());
  private members = 0;
  private timer: Timer | undefined;
  /** Every phase up to this millisecond has been called. */
  private doneUpTo: number;
  private readonly onWake = () => this.wake();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.doneUpTo = clock.now();
  }

  /** Calls `tick` every 20 ms from `startedAt` on; the returned function stops it. */
  add(tick: () => void, startedAt: number): () => void {
    const phase = this.phases[phaseOf(startedAt)] as Set<() => void>;
    if (phase.has(tick)) return () => this.remove(phase, tick);
    phase.add(tick);
    this.members++;
    this.schedule();
    return () => this.remove(phase, tick);
  }

  /** Sessions taking part: diagnostics and tests. */
  get size(): number {
    return this.members;
  }

  private remove(phase: Set<() => void>, tick: () => void): void {
    if (!phase.delete(tick)) return;
    this.members--;
    if (this.members === 0) {
      this.timer?.cancel();
      this.timer = undefined;
    }
  }

  private wake(): void {
    this.timer = undefined;
    const now = this.clock.now();
    // Each millisecond passed since the last wake-up, oldest first; one round of phases at most.
    for (let ms = Math.max(this.doneUpTo + 1, now - FRAME_MS + 1); ms <= now; ms++) {
      for (const tick of this.phases[phaseOf(ms)] as Set<() => void>) {
        try {
          tick();
        } catch (err) {
          // One session's bug must not stop every other call's audio.
          this.logger.error({ err }, "RTP playout tick threw");
        }
      }
    }
    this.doneUpTo = now;
    this.schedule();
  }

  /** Sleeps until the next millisecond whose phase has a member. */
  private schedule(): void {
    if (this.timer || this.members === 0) return;
    const now = this.clock.now();
    if (this.doneUpTo < now - FRAME_MS) this.doneUpTo = now - FRAME_MS;
    for (let ms = this.doneUpTo + 1; ms <= this.doneUpTo + FRAME_MS; ms++) {
      if ((this.phases[phaseOf(ms)] as Set<() => void>).size > 0) {
        this.timer = this.clock.setTimeout(this.onWake, ms - now);
        return;
      }
    }
  }
}

function phaseOf(ms: number): number {
  return ((Math.floor(ms) % FRAME_MS) + FRAME_MS) % FRAME_MS;
}
