/**
 * What the conference benchmark feeds its seats and how it checks what the mixer made of them,
 * written without Belay's mixing code so a wrong (or skipped) mix cannot pass.
 */
import { FRAME_SAMPLES } from "../../src/media/frame.js";

/** Distinct noise frames; prime, so seats stepping through it at the same pace never coincide. */
const POOL_FRAMES = 257;
/** Uniform noise of ±8000: loud speech. Ten such talkers clip, so the saturation path is exercised. */
const AMPLITUDE = 8000;

const pool: Int16Array[] = (() => {
  let x = 0x9e3779b9;
  return Array.from({ length: POOL_FRAMES }, () => {
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let s = 0; s < FRAME_SAMPLES; s++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      frame[s] = ((x >>> 8) % (2 * AMPLITUDE + 1)) - AMPLITUDE;
    }
    return frame;
  });
})();

/** The `index`-th frame seat `seat` says: noise, different from every other seat's at that index. */
export function seatFrame(seat: number, index: number): Int16Array {
  return pool[(seat * 31 + index) % POOL_FRAMES] as Int16Array;
}

/**
 * What `listener` should hear when seat j said `said[j]` (undefined: nothing) this tick: the sum
 * of every other seat, added up one listener at a time (the N² way, not the mixer's total − own),
 * then clamped to 16 bits.
 */
export function expectedMix(said: ReadonlyArray<Int16Array | undefined>, listener: number): Int16Array {
  const out = new Int16Array(FRAME_SAMPLES);
  for (let s = 0; s < FRAME_SAMPLES; s++) {
    let sum = 0;
    for (let j = 0; j < said.length; j++) {
      const frame = said[j];
      if (j !== listener && frame) sum += frame[s] as number;
    }
    out[s] = Math.max(-32768, Math.min(32767, sum));
  }
  return out;
}

/** Index of the first sample where a and b differ, or -1. */
export function firstDifference(a: Int16Array, b: Int16Array): number {
  if (a.length !== b.length) return 0;
  for (let s = 0; s < a.length; s++) if (a[s] !== b[s]) return s;
  return -1;
}
