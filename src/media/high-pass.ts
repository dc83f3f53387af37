import { SAMPLE_RATE } from "./frame.js";

/**
 * A second-order Butterworth high-pass (RBJ biquad), run sample by sample with its state carried
 * from frame to frame. For analysis, not playback: it takes rumble, wind and mains hum out of the
 * way of level-based detectors, which would otherwise hear them as speech.
 */
export class HighPassFilter {
  private readonly b0: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly a1: number;
  private readonly a2: number;
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;

  constructor(cutoffHz: number, sampleRate = SAMPLE_RATE) {
    const w0 = (2 * Math.PI * cutoffHz) / sampleRate;
    const cos = Math.cos(w0);
    const alpha = Math.sin(w0) / Math.SQRT2; // Q = 1/√2: maximally flat
    const a0 = 1 + alpha;
    this.b0 = (1 + cos) / 2 / a0;
    this.b1 = -(1 + cos) / a0;
    this.b2 = (1 + cos) / 2 / a0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
  }

  /** Filters `input` into `output` (same length; may be the same array). */
  process(input: Int16Array, output: Int16Array): void {
    for (let i = 0; i < input.length; i++) {
      const x = input[i] as number;
      const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
      this.x2 = this.x1;
      this.x1 = x;
      this.y2 = this.y1;
      this.y1 = y;
      output[i] = y > 32767 ? 32767 : y < -32768 ? -32768 : Math.round(y);
    }
  }
}
