import { FRAME_SAMPLES, type Frame } from "./frame.js";

const MAX = 32767;
const MIN = -32768;

/**
 * The arithmetic of a conference mix, one 20 ms tick at a time. Sums are kept in 32 bits and only
 * the final output is saturated to 16, so no partial sum clips: a listener hears exactly the
 * clipped sum of the others. Mix-minus goes through the total (total − own), which makes N outputs
 * cost 2N additions per sample instead of N².
 */

/** `total` = the sum of the frames present (undefined: that party sends nothing this tick). */
export function sumFrames(frames: ReadonlyArray<Frame | undefined>, total: Int32Array): void {
  total.fill(0);
  for (const frame of frames) if (frame) addFrame(total, frame);
}

/** Adds one frame (a talker, a beep) into a running sum. */
export function addFrame(total: Int32Array, frame: Frame): void {
  for (let s = 0; s < FRAME_SAMPLES; s++) total[s] = (total[s] as number) + (frame[s] as number);
}

/** `out` = the total without `own`, saturated to 16 bits: what that party hears. */
export function mixMinus(total: Int32Array, own: Frame | undefined, out: Int16Array): void {
  // Two loops rather than a test per sample: this runs once per listener per tick.
  if (own)
    for (let s = 0; s < FRAME_SAMPLES; s++) {
      const v = (total[s] as number) - (own[s] as number);
      out[s] = v > MAX ? MAX : v < MIN ? MIN : v;
    }
  else
    for (let s = 0; s < FRAME_SAMPLES; s++) {
      const v = total[s] as number;
      out[s] = v > MAX ? MAX : v < MIN ? MIN : v;
    }
}
