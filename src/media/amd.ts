import { FRAME_MS, FRAME_SAMPLES } from "./frame.js";
import { HighPassFilter } from "./high-pass.js";
import { TONE_STEP_HZ, ToneAnalyser } from "./tone-analyser.js";
import { VoiceActivityDetector } from "./vad.js";

/**
 * Answering-machine detection on what the callee's side sends from the answer on, one 20 ms frame
 * at a time (docs/amd.md). It listens for three things:
 *
 *   - a tone: a pure frequency (300-2200 Hz) held for minBeepMs is an answering machine's beep;
 *     2100 Hz held for minCedMs (a fax's or modem's answer tone, CED/ANS/ANSam) or 1100 Hz in a
 *     burst of cngMinMs-cngMaxMs (a calling fax's CNG) is a fax modem;
 *   - the greeting's cadence: a person answers with a short "Hello?" and waits for the caller, so a
 *     greeting of at most maxHumanGreetingMs and maxHumanWords words followed by
 *     afterGreetingSilenceMs of silence is a human; a machine talks on, so speech going on past
 *     maxHumanGreetingMs from its start, or more than maxHumanWords words, is an answering machine;
 *   - the deadline: still undecided at totalAnalysisMs (silence all along, or speech that began too
 *     late to judge), the verdict is "unknown", which OutDial treats as a human.
 *
 * Per frame it runs the VAD (one pass) and, on frames loud enough to hold a beep, the tone bank
 * (tone-analyser.ts); it allocates nothing after construction but the verdict itself.
 */
export type MachineVerdict =
  | { kind: "human"; atMs: number; reason: string }
  | { kind: "machine"; machineType: "answering machine" | "fax modem"; atMs: number; reason: string }
  | { kind: "unknown"; atMs: number; reason: string };

export interface MachineDetectorOptions {
  /** The verdict is given by then at the latest ("unknown" when undecided). Default 5000 ms. */
  totalAnalysisMs: number;
  /** Silence after a short greeting that makes it a human's. Default 800 ms. */
  afterGreetingSilenceMs: number;
  /** Longest greeting (first word's start to last word's end) a human answers with. Default 2500 ms. */
  maxHumanGreetingMs: number;
  /** Most words a human's greeting holds; one more is a machine's. Default 5. */
  maxHumanWords: number;
  /** Speech in a word (short dips included) for it to count (shorter is a click). Default 80 ms. */
  minWordMs: number;
  /** Shortest silence between two words. Default 100 ms. */
  betweenWordsSilenceMs: number;
  /** dB above the noise floor for a frame to sound like speech (the VAD's margin). Default 6. */
  speechMarginDb: number;
  /** Shortest steady tone that is a beep (tonal frames at one frequency and level). Default 120 ms. */
  minBeepMs: number;
  /** Share of a frame's power at one frequency for it to be a tone. Default 0.8. */
  minTonality: number;
  /** Largest level swing (max - min frame energy) within a beep. Default 3 dB. */
  maxToneSpreadDb: number;
  /** Quieter frames hold no tone. Default -45 dBFS. */
  minToneDbfs: number;
  /** Shortest 2100 Hz answer tone that is a fax or modem. Default 500 ms. */
  minCedMs: number;
  /** Shortest and longest 1100 Hz burst that is a fax's CNG. Default 400 and 700 ms. */
  cngMinMs: number;
  cngMaxMs: number;
}

export const DEFAULT_MACHINE_DETECTOR_OPTIONS: Readonly<MachineDetectorOptions> = {
  totalAnalysisMs: 5000,
  afterGreetingSilenceMs: 800,
  maxHumanGreetingMs: 2500,
  maxHumanWords: 5,
  minWordMs: 80,
  betweenWordsSilenceMs: 100,
  speechMarginDb: 6,
  minBeepMs: 120,
  minTonality: 0.8,
  maxToneSpreadDb: 3,
  minToneDbfs: -45,
  minCedMs: 500,
  cngMinMs: 400,
  cngMaxMs: 700,
};

const HIGH_PASS_HZ = 200;
const CED_HZ = 2100;
const CNG_HZ = 1100;
/** Non-tonal frames an answer tone may skip and go on (CED's 180° phase reversals every 450 ms). */
const ANSWER_TONE_GAP_FRAMES = 2;

export class MachineDetector {
  private readonly options: MachineDetectorOptions;
  private readonly vad: VoiceActivityDetector;
  private readonly tones = new ToneAnalyser();
  /** Rumble and hum below the telephone band would read as speech to the VAD. */
  private readonly highPass = new HighPassFilter(HIGH_PASS_HZ);
  private readonly filtered = new Int16Array(FRAME_SAMPLES);
  private verdict: MachineVerdict | undefined;
  private frames = 0;

  // The tone being heard: its frequency, where it began, its tonal frames, non-tonal frames since.
  private toneHz = 0;
  private toneStartFrame = -1;
  private toneFrames = 0;
  private toneGap = 0;
  private toneLowDbfs = 0;
  private toneHighDbfs = 0;

  // The greeting: first word's start, last voiced frame, words so far, and the current run.
  private greetingStartFrame = -1;
  private lastVoicedFrame = -1;
  private words = 0;
  private inWord = false;
  private wordStartFrame = 0;
  /** Speech-like frames in the current word (or would-be word), short dips included. */
  private voicedRun = 0;
  private silentRun = 0;

  constructor(options: Partial<MachineDetectorOptions> = {}) {
    this.options = { ...DEFAULT_MACHINE_DETECTOR_OPTIONS, ...options };
    this.vad = new VoiceActivityDetector({ marginDb: this.options.speechMarginDb });
  }

  /** One 20 ms frame from the answer on. Returns the verdict once decided (then always the same). */
  push(frame: Int16Array): MachineVerdict | undefined {
    if (this.verdict) return this.verdict;
    if (frame.length !== FRAME_SAMPLES) {
      throw new RangeError(
        `a detector frame is ${FRAME_SAMPLES} samples (20 ms at 8 kHz), not ${frame.length}`,
      );
    }
    this.frames++;
    this.highPass.process(frame, this.filtered);
    this.vad.push(this.filtered);
    this.trackTone(this.filtered);
    // A tone's frames count as voice too: a beep is decided long before it could pass for a greeting.
    const decided = this.verdict ?? this.trackGreeting();
    if (decided) return decided;
    if (this.frames * FRAME_MS >= this.options.totalAnalysisMs) return this.undecided();
    return undefined;
  }

  private get nowMs(): number {
    return this.frames * FRAME_MS;
  }

  /** Follows the tone (if any) through this frame, and decides on it when it can. */
  private trackTone(frame: Int16Array): void {
    const o = this.options;
    const energy = this.vad.lastEnergyDbfs;
    let tonal = false;
    if (energy >= o.minToneDbfs) {
      this.tones.analyse(frame);
      tonal = this.tones.tonality >= o.minTonality;
    }
    const hz = this.tones.hz;
    const answerTone = near(this.toneHz, CED_HZ);
    if (tonal && this.toneFrames > 0 && near(hz, this.toneHz) && (answerTone || this.steadyWith(energy))) {
      this.toneFrames++;
      this.toneGap = 0;
      this.toneLowDbfs = Math.min(this.toneLowDbfs, energy);
      this.toneHighDbfs = Math.max(this.toneHighDbfs, energy);
    } else if (tonal) {
      if (this.toneFrames > 0) this.toneEnded();
      if (this.verdict) return;
      this.toneHz = hz;
      this.toneStartFrame = this.frames - 1;
      this.toneFrames = 1;
      this.toneGap = 0;
      this.toneLowDbfs = energy;
      this.toneHighDbfs = energy;
    } else if (this.toneFrames > 0 && ++this.toneGap > (answerTone ? ANSWER_TONE_GAP_FRAMES : 0)) {
      this.toneEnded();
      this.toneFrames = 0;
      return;
    }
    if (this.toneFrames > 0) this.toneGoesOn();
  }

  /** A beep holds its level; a vowel that looks tonal for a few frames swells and fades. */
  private steadyWith(energy: number): boolean {
    return (
      Math.max(this.toneHighDbfs, energy) - Math.min(this.toneLowDbfs, energy) <= this.options.maxToneSpreadDb
    );
  }

  /** Decides on a tone still sounding when it is long enough to. */
  private toneGoesOn(): void {
    const o = this.options;
    const ms = this.toneSpanMs();
    if (near(this.toneHz, CED_HZ)) {
      if (ms >= o.minCedMs) this.fax(`a ${CED_HZ} Hz answer tone (CED) held ${ms} ms`);
    } else if (near(this.toneHz, CNG_HZ)) {
      // Only its end tells a CNG burst from a long beep.
      if (ms > o.cngMaxMs) this.beep();
    } else if (this.toneFrames * FRAME_MS >= o.minBeepMs) {
      this.beep();
    }
  }

  /** Decides on a tone that has just stopped. */
  private toneEnded(): void {
    const o = this.options;
    const ms = this.toneSpanMs();
    if (near(this.toneHz, CNG_HZ) && ms >= o.cngMinMs && ms <= o.cngMaxMs) {
      this.fax(`a ${ms} ms burst of ${CNG_HZ} Hz (a fax's CNG)`);
    } else if (this.toneFrames * FRAME_MS >= o.minBeepMs) {
      this.beep();
    }
  }

  /** Milliseconds from the tone's first tonal frame to its last. */
  private toneSpanMs(): number {
    return (this.frames - this.toneGap - this.toneStartFrame) * FRAME_MS;
  }

  private beep(): void {
    this.decide({
      kind: "machine",
      machineType: "answering machine",
      atMs: this.nowMs,
      reason: `a beep: ${this.toneHz} Hz held ${this.toneSpanMs()} ms`,
    });
  }

  private fax(reason: string): void {
    this.decide({ kind: "machine", machineType: "fax modem", atMs: this.nowMs, reason });
  }

  /** Follows the greeting through this frame; returns the verdict if this frame decides. */
  private trackGreeting(): MachineVerdict | undefined {
    const o = this.options;
    if (this.vad.lastFrameSpeechLike) {
      // Speech-like frames count towards a word until a real pause (betweenWordsSilenceMs) ends it.
      if (this.voicedRun === 0 && !this.inWord) this.wordStartFrame = this.frames - 1;
      this.voicedRun++;
      this.silentRun = 0;
      if (!this.inWord && this.voicedRun * FRAME_MS >= o.minWordMs) {
        this.inWord = true;
        this.words++;
        if (this.greetingStartFrame < 0) this.greetingStartFrame = this.wordStartFrame;
      }
      if (this.inWord) this.lastVoicedFrame = this.frames;
    } else {
      this.silentRun++;
      if (this.silentRun * FRAME_MS >= o.betweenWordsSilenceMs) {
        this.inWord = false;
        this.voicedRun = 0;
      }
    }
    if (this.greetingStartFrame < 0) return undefined;

    const greetingMs = (this.lastVoicedFrame - this.greetingStartFrame) * FRAME_MS;
    const startedAt = this.greetingStartFrame * FRAME_MS;
    if (greetingMs > o.maxHumanGreetingMs) {
      return this.machineByGreeting(`a greeting over ${o.maxHumanGreetingMs} ms long (from ${startedAt} ms)`);
    }
    if (this.words > o.maxHumanWords) {
      return this.machineByGreeting(`a greeting of over ${o.maxHumanWords} words (from ${startedAt} ms)`);
    }
    if (!this.inWord && this.silentRun * FRAME_MS >= o.afterGreetingSilenceMs) {
      return this.decide({
        kind: "human",
        atMs: this.nowMs,
        reason: `a ${greetingMs} ms greeting of ${this.words} word(s) from ${startedAt} ms, then ${this.silentRun * FRAME_MS} ms of silence`,
      });
    }
    return undefined;
  }

  private machineByGreeting(reason: string): MachineVerdict {
    return this.decide({ kind: "machine", machineType: "answering machine", atMs: this.nowMs, reason });
  }

  private undecided(): MachineVerdict {
    const heard =
      this.greetingStartFrame < 0
        ? "no speech and no tone"
        : `speech from ${this.greetingStartFrame * FRAME_MS} ms, too late to judge`;
    return this.decide({
      kind: "unknown",
      atMs: this.nowMs,
      reason: `${heard} in ${this.options.totalAnalysisMs} ms`,
    });
  }

  private decide(verdict: MachineVerdict): MachineVerdict {
    this.verdict ??= verdict;
    return this.verdict;
  }
}

/** Within one tone bin of `hz`. */
function near(measuredHz: number, hz: number): boolean {
  return Math.abs(measuredHz - hz) <= TONE_STEP_HZ;
}
