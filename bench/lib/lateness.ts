import { FRAME_MS } from "../../src/media/frame.js";

/** Lateness histogram: 0.05 ms bins up to 200 ms, then one bin for the rest. */
const BIN_MS = 0.05;
const BINS = 4000;

/** Wall-clock milliseconds to a fraction, on the same base as RealClock.now(). */
export const preciseNow = () => performance.timeOrigin + performance.now();

/** Every tick's lateness, shared by all the conferences of a step. */
export class Lateness {
  readonly bins = new Float64Array(BINS + 1);
  count = 0;
  max = 0;
  /** Ticks that ran 20 ms or more late: in the slot of the tick after them. */
  skipped = 0;
  recording = false;

  add(ms: number): void {
    if (!this.recording) return;
    this.count++;
    if (ms > this.max) this.max = ms;
    if (ms >= FRAME_MS) this.skipped++;
    // A tick is run once the whole-millisecond clock reaches its due time, a few µs after the fire
    // time noted before it: never counted early.
    const bin = Math.min(BINS, Math.max(0, Math.floor(ms / BIN_MS)));
    this.bins[bin] = (this.bins[bin] as number) + 1;
  }

  /** Upper edge of the bin holding the p-th percentile. */
  percentile(p: number): number {
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let b = 0; b <= BINS; b++) {
      seen += this.bins[b] as number;
      if (seen >= rank) return b === BINS ? this.max : (b + 1) * BIN_MS;
    }
    return this.max;
  }
}
