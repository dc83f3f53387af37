/** Belay's one internal audio format: 8 kHz, 16-bit signed linear PCM, mono, in 20 ms frames. */
export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000; // 160

/** One 20 ms frame of caller or played audio: exactly FRAME_SAMPLES samples. */
export type Frame = Int16Array;

export function silentFrame(): Frame {
  return new Int16Array(FRAME_SAMPLES);
}

/** Splits PCM into whole frames; the last partial frame is padded with silence. */
export function toFrames(pcm: Int16Array): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < pcm.length; i += FRAME_SAMPLES) {
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(pcm.subarray(i, Math.min(i + FRAME_SAMPLES, pcm.length)));
    frames.push(frame);
  }
  return frames;
}

export function samplesToMs(samples: number): number {
  return (samples * 1000) / SAMPLE_RATE;
}
