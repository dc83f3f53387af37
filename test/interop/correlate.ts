/**
 * Aligning two recordings of the same audio: which lag lines them up, and how alike they are there.
 * "signal[i] matches reference[i + lag]": a positive lag means the signal starts that many samples
 * into the reference (a recording that began after the sender started talking).
 */

export interface Alignment {
  /** Samples: signal[i] lines up with reference[i + lag]. */
  lag: number;
  /** Normalised cross-correlation over the overlap, -1..1 (1: the same waveform, any gain). */
  correlation: number;
  /** How many samples overlap at that lag. */
  overlap: number;
}

type Samples = ArrayLike<number>;

/** The normalised correlation of signal against reference at one lag, over their overlap. */
export function correlationAt(reference: Samples, signal: Samples, lag: number): Alignment {
  const start = Math.max(0, -lag);
  const end = Math.min(signal.length, reference.length - lag);
  let cross = 0;
  let energySignal = 0;
  let energyReference = 0;
  for (let i = start; i < end; i++) {
    const s = signal[i] as number;
    const r = reference[i + lag] as number;
    cross += s * r;
    energySignal += s * s;
    energyReference += r * r;
  }
  const overlap = Math.max(0, end - start);
  const denominator = Math.sqrt(energySignal * energyReference);
  return { lag, correlation: denominator > 0 ? cross / denominator : 0, overlap };
}

/**
 * The lag, within [minLag, maxLag], where the normalised correlation is highest, among lags whose
 * overlap is at least `minOverlap` samples (default: half the shorter input). Cross-correlation
 * for every lag at once by FFT; energies over each overlap from prefix sums.
 */
export function align(
  reference: Samples,
  signal: Samples,
  options: { minLag?: number; maxLag?: number; minOverlap?: number } = {},
): Alignment {
  const minLag = options.minLag ?? -(signal.length - 1);
  const maxLag = options.maxLag ?? reference.length - 1;
  const minOverlap = options.minOverlap ?? Math.floor(Math.min(reference.length, signal.length) / 2);
  const cross = crossCorrelation(reference, signal);
  const refPrefix = prefixEnergy(reference);
  const sigPrefix = prefixEnergy(signal);
  let best: Alignment | undefined;
  for (let lag = minLag; lag <= maxLag; lag++) {
    const start = Math.max(0, -lag);
    const end = Math.min(signal.length, reference.length - lag);
    const overlap = end - start;
    if (overlap < Math.max(1, minOverlap)) continue;
    const energySignal = (sigPrefix[end] as number) - (sigPrefix[start] as number);
    const energyReference = (refPrefix[end + lag] as number) - (refPrefix[start + lag] as number);
    const denominator = Math.sqrt(energySignal * energyReference);
    if (!(denominator > 0)) continue;
    const correlation = cross(lag) / denominator;
    if (!best || correlation > best.correlation) best = { lag, correlation, overlap };
  }
  if (!best)
    throw new Error(`no lag in [${minLag}, ${maxLag}] overlaps by ${minOverlap} samples with sound in both`);
  // The FFT's rounding is far below a sample's worth; report the exact sum at the chosen lag.
  return correlationAt(reference, signal, best.lag);
}

/** Returns lag ↦ Σ signal[i]·reference[i + lag], computed for every lag with one FFT product. */
function crossCorrelation(reference: Samples, signal: Samples): (lag: number) => number {
  let size = 1;
  while (size < reference.length + signal.length) size <<= 1;
  const refRe = new Float64Array(size);
  const refIm = new Float64Array(size);
  const sigRe = new Float64Array(size);
  const sigIm = new Float64Array(size);
  for (let i = 0; i < reference.length; i++) refRe[i] = reference[i] as number;
  for (let i = 0; i < signal.length; i++) sigRe[i] = signal[i] as number;
  fft(refRe, refIm, false);
  fft(sigRe, sigIm, false);
  // R(k) = REF(k) · conj(SIG(k)): its inverse is Σ_i ref[i + lag]·sig[i] at index lag (mod size).
  for (let k = 0; k < size; k++) {
    const re = (refRe[k] as number) * (sigRe[k] as number) + (refIm[k] as number) * (sigIm[k] as number);
    const im = (refIm[k] as number) * (sigRe[k] as number) - (refRe[k] as number) * (sigIm[k] as number);
    refRe[k] = re;
    refIm[k] = im;
  }
  fft(refRe, refIm, true);
  return (lag) => refRe[((lag % size) + size) % size] as number;
}

function prefixEnergy(samples: Samples): Float64Array {
  const out = new Float64Array(samples.length + 1);
  for (let i = 0; i < samples.length; i++) out[i + 1] = (out[i] as number) + (samples[i] as number) ** 2;
  return out;
}

/** In-place iterative radix-2 FFT; `inverse` also divides by the size. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let length = 2; length <= n; length <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / length;
    const stepRe = Math.cos(angle);
    const stepIm = Math.sin(angle);
    for (let start = 0; start < n; start += length) {
      let wRe = 1;
      let wIm = 0;
      const half = length >> 1;
      for (let k = 0; k < half; k++) {
        const a = start + k;
        const b = a + half;
        const bRe = (re[b] as number) * wRe - (im[b] as number) * wIm;
        const bIm = (re[b] as number) * wIm + (im[b] as number) * wRe;
        re[b] = (re[a] as number) - bRe;
        im[b] = (im[a] as number) - bIm;
        re[a] = (re[a] as number) + bRe;
        im[a] = (im[a] as number) + bIm;
        const nextRe = wRe * stepRe - wIm * stepIm;
        wIm = wRe * stepIm + wIm * stepRe;
        wRe = nextRe;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] = (re[i] as number) / n;
      im[i] = (im[i] as number) / n;
    }
  }
}
