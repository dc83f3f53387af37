import { BelayError } from "../errors.js";
import { SAMPLE_RATE } from "./frame.js";

/*
 * Down-sampling to 8 kHz with a Kaiser-windowed sinc low-pass, evaluated as a polyphase filter.
 *
 * The filter is specified in Hz, so it is the same whatever the input rate:
 *   - passband flat to ~3.4 kHz (the telephone band), -6 dB at CUTOFF_HZ;
 *   - at least STOPBAND_DB of rejection from 4.2 kHz up, so anything that would fold back into the
 *     telephone band (input energy above 4.6 kHz) is gone.
 * The window length follows from Kaiser's formula for that transition width and attenuation:
 * about 4.5 ms of input per output sample (217 taps at 48 kHz).
 */
const CUTOFF_HZ = 3800;
const TRANSITION_HZ = 800;
const STOPBAND_DB = 60;
const KAISER_BETA = 0.1102 * (STOPBAND_DB - 8.7);
const KERNEL_SECONDS = (STOPBAND_DB - 7.95) / (2.285 * 2 * Math.PI * TRANSITION_HZ);

// Exact phases for rational ratios up to this many; beyond, the nearest of MAX_PHASES (timing error
// under 1/2048 of an input sample, far below the 60 dB floor).
const MAX_PHASES = 1024;
const MAX_INPUT_RATE = 384_000;

interface Polyphase {
  /** Input samples advanced per output sample, as the fraction step/outStep in lowest terms. */
  step: number;
  outStep: number;
  phases: number;
  /** Taps per phase. */
  taps: number;
  /** Offset of the first tap from the integer input position. */
  firstTap: number;
  /** phases × taps coefficients, each phase normalised to unity DC gain. */
  coefficients: Float32Array;
}

const filters = new Map<number, Polyphase>();

/**
 * Converts mono PCM at `fromRate` Hz to Belay's 8 kHz 16-bit PCM. An Int16Array is taken as is;
 * a Float32Array is taken as [-1, 1] (values beyond clip). At 8000 Hz the samples are copied
 * unchanged (Int16) or only scaled and rounded (Float32). The output has ceil(n × 8000 / fromRate)
 * samples.
 */
export function resampleTo8k(pcm: Float32Array | Int16Array, fromRate: number): Int16Array {
  if (!Number.isInteger(fromRate) || fromRate < SAMPLE_RATE || fromRate > MAX_INPUT_RATE) {
    throw new BelayError(
      "RESAMPLE_RATE_UNSUPPORTED",
      `cannot resample from ${fromRate} Hz: the rate must be a whole number from ${SAMPLE_RATE} to ${MAX_INPUT_RATE}`,
      { fromRate },
    );
  }
  if (fromRate === SAMPLE_RATE) {
    return pcm instanceof Int16Array ? pcm.slice() : floatToInt16(pcm);
  }
  const input = toInt16Scale(pcm);
  const filter = polyphaseFor(fromRate);
  const { step, outStep, phases, taps, firstTap, coefficients } = filter;
  const outLength = Math.ceil((input.length * outStep) / step);
  const out = new Int16Array(outLength);
  const exactPhases = phases === outStep;
  const last = input.length - 1;

  for (let n = 0; n < outLength; n++) {
    const position = n * step; // in units of 1/outStep input samples
    const whole = Math.floor(position / outStep);
    const remainder = position - whole * outStep;
    let phase = exactPhases ? remainder : Math.round((remainder * phases) / outStep);
    let center = whole;
    if (phase === phases) {
      phase = 0;
      center++;
    }
    const start = center + firstTap;
    const base = phase * taps;
    let sum = 0;
    if (start >= 0 && start + taps - 1 <= last) {
      for (let k = 0; k < taps; k++) sum += (coefficients[base + k] as number) * (input[start + k] as number);
    } else {
      // Near the edges: samples outside the input count as silence.
      for (let k = 0; k < taps; k++) {
        const i = start + k;
        if (i >= 0 && i <= last) sum += (coefficients[base + k] as number) * (input[i] as number);
      }
    }
    out[n] = clampToInt16(sum);
  }
  return out;
}

function polyphaseFor(fromRate: number): Polyphase {
  let filter = filters.get(fromRate);
  if (!filter) {
    filter = designPolyphase(fromRate);
    filters.set(fromRate, filter);
  }
  return filter;
}

function designPolyphase(fromRate: number): Polyphase {
  const divisor = gcd(fromRate, SAMPLE_RATE);
  const step = fromRate / divisor;
  const outStep = SAMPLE_RATE / divisor;
  const phases = Math.min(outStep, MAX_PHASES);
  const halfWidth = (KERNEL_SECONDS / 2) * fromRate; // in input samples
  const firstTap = -Math.floor(halfWidth);
  const taps = 2 * Math.floor(halfWidth) + 2;
  const normalisedCutoff = CUTOFF_HZ / fromRate; // cycles per input sample
  const windowNorm = besselI0(KAISER_BETA);
  const coefficients = new Float32Array(phases * taps);

  for (let p = 0; p < phases; p++) {
    const fraction = p / phases; // output instant lies this far after the integer position
    let gain = 0;
    for (let k = 0; k < taps; k++) {
      const distance = firstTap + k - fraction;
      const relative = distance / (halfWidth + 1);
      let c = 0;
      if (Math.abs(relative) < 1) {
        const window = besselI0(KAISER_BETA * Math.sqrt(1 - relative * relative)) / windowNorm;
        c = 2 * normalisedCutoff * sinc(2 * normalisedCutoff * distance) * window;
      }
      coefficients[p * taps + k] = c;
      gain += c;
    }
    for (let k = 0; k < taps; k++) coefficients[p * taps + k] = (coefficients[p * taps + k] as number) / gain;
  }
  return { step, outStep, phases, taps, firstTap, coefficients };
}

function toInt16Scale(pcm: Float32Array | Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  if (pcm instanceof Int16Array) {
    out.set(pcm);
  } else {
    for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] as number) * 32768;
  }
  return out;
}

function floatToInt16(pcm: Float32Array): Int16Array {
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = clampToInt16((pcm[i] as number) * 32768);
  return out;
}

function clampToInt16(value: number): number {
  const rounded = Math.round(value);
  return Math.min(32767, Math.max(-32768, rounded));
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Modified Bessel function of the first kind, order 0 (the Kaiser window's shape). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}
