/**
 * Voice activity detection for 8 kHz telephone audio, one 20 ms frame at a time, by energy against
 * an adaptive noise floor. Cheap (one pass over the frame, no allocation) and robust to the steady
 * hiss and hum of phone lines; not a speech recogniser: loud non-speech sounds count as speech.
 *
 * Per frame:
 *   1. energy = variance of the samples (the mean is removed, so DC offset is not energy), in dBFS.
 *   2. noise floor: falls quickly towards quieter frames, rises slowly towards louder ones, so
 *      pauses between words pull it down and speech barely lifts it. A signal that stays steady
 *      (within steadySpreadDb for steadyFrames) and is no louder than maxNoiseDbfs is noise by
 *      definition: the floor jumps to it. That is how loud line noise, or noise after a stretch of
 *      digital silence, stops counting as speech within about a second.
 *   3. a frame sounds like speech when its energy is marginDb above the floor and above minDbfs.
 *   4. speech starts after onsetFrames such frames in a row (a click or pop is shorter) and goes on
 *      for hangoverFrames after the last one (gaps between words are not silence).
 */
export interface VadOptions {
  /** dB above the noise floor for a frame to sound like speech. Default 8. */
  marginDb?: number;
  /** Quieter frames are never speech, whatever the floor (digital near-silence). Default -55 dBFS. */
  minDbfs?: number;
  /** Consecutive speech-like frames before speech starts. Default 3 (60 ms; clicks are shorter). */
  onsetFrames?: number;
  /** Frames still reported as speech after the last speech-like one. Default 12 (240 ms). */
  hangoverFrames?: number;
  /** How fast the floor rises towards louder frames, as a fraction of the gap per frame. Default 0.01 (τ ≈ 2 s). */
  floorRise?: number;
  /** How fast the floor falls towards quieter frames, as a fraction of the gap per frame. Default 0.5. */
  floorFall?: number;
  /** Frames a signal must stay steady to be taken as noise. Default 50 (1 s). */
  steadyFrames?: number;
  /** Largest energy spread (max - min, dB) of a steady signal. Default 4. */
  steadySpreadDb?: number;
  /** Steady signals louder than this are not assumed to be noise (a held tone). Default -25 dBFS. */
  maxNoiseDbfs?: number;
}

const DEFAULTS: Required<VadOptions> = {
  marginDb: 8,
  minDbfs: -55,
  onsetFrames: 3,
  hangoverFrames: 12,
  floorRise: 0.01,
  floorFall: 0.5,
  steadyFrames: 50,
  steadySpreadDb: 4,
  maxNoiseDbfs: -25,
};

/** Energy reported for digital silence; keeps the floor finite. */
const SILENCE_DBFS = -100;
const FULL_SCALE_POWER = 32768 * 32768;

export class VoiceActivityDetector {
  private readonly options: Required<VadOptions>;
  private floor = Number.NaN;
  private energy = SILENCE_DBFS;
  private speechLikeRun = 0;
  private lastSpeechLike = false;
  private hangover = 0;
  private speaking = false;
  // The current steadiness window: frames in it, and their energies' min, max and sum.
  private steadyCount = 0;
  private steadyMin = 0;
  private steadyMax = 0;
  private steadySum = 0;

  constructor(opts: VadOptions = {}) {
    this.options = { ...DEFAULTS, ...opts };
  }

  /** The current noise floor estimate, dBFS (NaN before the first frame). */
  get noiseFloorDbfs(): number {
    return this.floor;
  }

  /** The last frame's energy, dBFS. */
  get lastEnergyDbfs(): number {
    return this.energy;
  }

  /**
   * Whether the last frame itself sounded like speech. Inside speech, false marks the detector's
   * hangover: a pause that is not yet silence, but may be the start of it.
   */
  get lastFrameSpeechLike(): boolean {
    return this.lastSpeechLike;
  }

  /** Takes the next 20 ms frame; true when it is speech. */
  push(frame: Int16Array): boolean {
    const o = this.options;
    const energy = frameEnergyDbfs(frame);
    this.energy = energy;
    this.trackFloor(energy);

    const speechLike = energy >= this.floor + o.marginDb && energy >= o.minDbfs;
    this.lastSpeechLike = speechLike;
    if (speechLike) {
      this.speechLikeRun++;
      // Onset guards only the start: once speaking, any speech-like frame extends it.
      if (this.speaking || this.speechLikeRun >= o.onsetFrames) {
        this.speaking = true;
        this.hangover = o.hangoverFrames;
      }
    } else {
      this.speechLikeRun = 0;
      if (this.hangover > 0) this.hangover--;
      else this.speaking = false;
    }
    return this.speaking;
  }

  reset(): void {
    this.floor = Number.NaN;
    this.energy = SILENCE_DBFS;
    this.speechLikeRun = 0;
    this.lastSpeechLike = false;
    this.hangover = 0;
    this.speaking = false;
    this.steadyCount = 0;
  }

  private trackFloor(energy: number): void {
    const o = this.options;
    if (Number.isNaN(this.floor)) {
      this.floor = energy;
    } else if (energy < this.floor) {
      this.floor += (energy - this.floor) * o.floorFall;
    } else {
      this.floor += (energy - this.floor) * o.floorRise;
    }

    if (
      this.steadyCount === 0 ||
      Math.max(this.steadyMax, energy) - Math.min(this.steadyMin, energy) > o.steadySpreadDb
    ) {
      // (Re)start the steadiness window at this frame.
      this.steadyCount = 1;
      this.steadyMin = energy;
      this.steadyMax = energy;
      this.steadySum = energy;
      return;
    }
    this.steadyCount++;
    this.steadyMin = Math.min(this.steadyMin, energy);
    this.steadyMax = Math.max(this.steadyMax, energy);
    this.steadySum += energy;
    if (this.steadyCount >= o.steadyFrames) {
      const level = this.steadySum / this.steadyCount;
      if (level <= o.maxNoiseDbfs && this.steadyMin > this.floor) this.floor = this.steadyMin;
      this.steadyCount = 0;
    }
  }
}

/** Variance of the frame's samples, in dB relative to a full-scale square wave. */
export function frameEnergyDbfs(frame: Int16Array): number {
  let sum = 0;
  let sumSquares = 0;
  const length = frame.length;
  const whole = length - (length % 4);
  let i = 0;
  // Four samples a step: it runs on every frame of every recording, and measured twice as fast.
  for (; i < whole; i += 4) {
    const a = frame[i] as number;
    const b = frame[i + 1] as number;
    const c = frame[i + 2] as number;
    const d = frame[i + 3] as number;
    sum += a + b + c + d;
    sumSquares += a * a + b * b + c * c + d * d;
  }
  for (; i < length; i++) {
    const s = frame[i] as number;
    sum += s;
    sumSquares += s * s;
  }
  const n = length || 1;
  const mean = sum / n;
  const variance = sumSquares / n - mean * mean;
  if (variance <= 0) return SILENCE_DBFS;
  return Math.max(SILENCE_DBFS, 10 * Math.log10(variance / FULL_SCALE_POWER));
}
