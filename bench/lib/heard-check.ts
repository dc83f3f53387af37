import type { HeardFrame } from "../../src/legs/virtual/virtual-leg.js";
import { FRAME_SAMPLES } from "../../src/media/frame.js";

/** Seeded noise, ±amplitude and never 0, so a heard frame is told apart from silence and from other calls'. */
export function noise(seed: number, samples: number, amplitude = 8000): Int16Array {
  const out = new Int16Array(samples);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < samples; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const v = ((x >>> 16) % (2 * amplitude + 1)) - amplitude;
    out[i] = v === 0 ? 1 : v;
  }
  return out;
}

const isSilent = (frame: Int16Array) => frame.every((s) => s === 0);

/**
 * What a party heard of the other's `audio` through a conference of two: from wherever it started
 * hearing it until the other left, the other's frames in order, sample for sample, then only
 * silence. A silent frame in between is a `gap`: a frame that missed its slot, or a virtual leg
 * that came for its frame before the mixer had made it (a virtual leg takes its frames in order,
 * so the audio then goes on at the same frame, one frame later). Frames of the other's skipped
 * over (a slot missed, or dropped from the leg's queue of 16 when it lagged further) are `lost`.
 * A frame that is not the other's, or goes back in its audio (altered, repeated), is a problem.
 */
export function checkHeard(
  heard: HeardFrame[],
  audio: Int16Array,
): { frames: number; gaps: number; lost: number; problem?: string } {
  const first = heard.findIndex((h) => !isSilent(h.frame));
  if (first < 0) return { frames: 0, gaps: 0, lost: 0, problem: "heard nothing" };
  const total = Math.floor(audio.length / FRAME_SAMPLES);
  const start = heard[first]?.frame as Int16Array;
  let k = 0;
  while (k < total && !sameFrame(start, audio, k)) k++;
  if (k === total)
    return { frames: 0, gaps: 0, lost: 0, problem: "the first frame heard is none of the other party's" };
  const lastAudible = heard.findLastIndex((h) => !isSilent(h.frame));
  let frames = 0;
  let gaps = 0;
  let lost = 0;
  let gap = 0;
  for (let i = first; i <= lastAudible; i++) {
    const frame = (heard[i] as HeardFrame).frame;
    if (isSilent(frame)) {
      gap++;
      continue;
    }
    // Where the other's audio goes on: at the same frame (the leg was late), or later (frames were
    // lost: in place, as silence, or dropped from a queue that overflowed while the leg lagged).
    let at = k;
    while (at < total && !sameFrame(frame, audio, at)) at++;
    if (at === total)
      return {
        frames,
        gaps,
        lost,
        problem: `frame ${i - first} after the first is not the other party's frame ${k} or a later one but ${whichFrame(frame, audio)}`,
      };
    lost += at - k;
    k = at;
    gaps += gap;
    gap = 0;
    k++;
    frames++;
  }
  return { frames, gaps, lost };
}

function whichFrame(frame: Int16Array, audio: Int16Array): string {
  for (let k = 0; k * FRAME_SAMPLES < audio.length; k++)
    if (sameFrame(frame, audio, k)) return `its frame ${k}`;
  return "none of its frames";
}

function sameFrame(frame: Int16Array, audio: Int16Array, k: number): boolean {
  const offset = k * FRAME_SAMPLES;
  for (let i = 0; i < FRAME_SAMPLES; i++) if (frame[i] !== audio[offset + i]) return false;
  return frame.length === FRAME_SAMPLES;
}
