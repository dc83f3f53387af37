/** Test signals and measurements for the media tests. */

/** A sine of `peak` amplitude (Int16 scale, or [-1, 1] for `float`). */
export function sine(hz: number, rate: number, seconds: number, peak = 16384): Float64Array {
  const out = new Float64Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = peak * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

export function toInt16(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++)
    out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] as number)));
  return out;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian white noise whose RMS is `dbfs`, in dB relative to 32768. */
export function whiteNoise(length: number, dbfs: number, seed = 1): Float64Array {
  const next = random(seed);
  const rms = 32768 * 10 ** (dbfs / 20);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i += 2) {
    // Box–Muller: two independent normals per pair of uniforms.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = rms * radius * Math.cos(angle);
    if (i + 1 < length) out[i + 1] = rms * radius * Math.sin(angle);
  }
  return out;
}

/** RMS level in dB relative to 32768 (over samples [from, to)). */
export function rmsDbfs(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] as number) ** 2;
  return 10 * Math.log10(sum / Math.max(1, to - from) / (32768 * 32768));
}

/** Amplitude of the `hz` component (Goertzel over the whole signal), in the signal's own units. */
export function toneAmplitude(samples: ArrayLike<number>, hz: number, rate: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = (samples[i] as number) + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / samples.length;
}

/** Frequency estimated from rising zero crossings (linear interpolation between samples). */
export function zeroCrossingHz(samples: ArrayLike<number>, rate: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as number;
    const b = samples[i] as number;
    if (a < 0 && b >= 0) {
      const at = i - 1 + -a / (b - a);
      if (first < 0) first = at;
      else count++;
      last = at;
    }
  }
  return (count * rate) / (last - first);
}
