/**
 * The labelled set for answering-machine detection: what the callee's side sends from the answer
 * on, 6 s of 8 kHz audio each, made deterministically from eSpeak NG voices (amd-synth.ts), tones
 * and sox noise, then passed through G.711 µ-law as a phone call is.
 *
 *   - human: a short answer ("Hello?", "Yes?"), a longer one ("Hello, this is Sam speaking.") or,
 *     in a few, a business's answer of 3 s ("Good afternoon, Acme Plumbing, ...") after 0.2-2 s,
 *     then silence while they wait; some say "Hello?" again.
 *   - answering machine: a greeting of 3-7 s, or a short one ("Leave a message."), mostly followed
 *     by a beep (400-2000 Hz, 150-1000 ms) after 0.1-0.7 s; some long greetings have no beep
 *     within the 6 s; a few short ones beep late.
 *   - fax: CED (2100 Hz answer tone, plain, with phase reversals, or amplitude-modulated as V.8's
 *     ANSam) or CNG (1100 Hz, 0.5 s on, 3 s off).
 *
 * Voices vary by eSpeak voice and variant, speed and pitch; levels vary from -6 to -24 dBFS peak;
 * background noise (white, pink or brown, from sox) from none to an RMS 22 dB below the speech's peak
 * (speech's own RMS runs 10-15 dB below its peak, so the noisiest are about 10 dB under the voice).
 */
import { FRAME_SAMPLES, SAMPLE_RATE } from "../../src/media/frame.js";
import { decodeUlaw, encodeUlaw } from "../../src/media/g711.js";
import { type NoiseColour, noiseBed, speakAll, type Voice } from "./amd-synth.js";
import { random } from "./signals.js";

export type AmdTruth = "human" | "machine" | "fax";

export interface AmdExample {
  name: string;
  truth: AmdTruth;
  /** What was built, for reading a failure. */
  description: string;
  /** 8 kHz, a whole number of 20 ms frames. */
  pcm: Int16Array;
}

export const EXAMPLE_MS = 6000;
/** The seed the detector's thresholds were chosen on (docs/amd.md). */
export const AMD_SET_SEED = 14;

const VOICES: readonly Voice[] = [
  { name: "en-us", speed: 160, pitch: 50 },
  { name: "en-gb+m3", speed: 175, pitch: 40 },
  { name: "en-us+f2", speed: 150, pitch: 60 },
  { name: "en-us+m1", speed: 190, pitch: 45 },
  { name: "en-gb+f3", speed: 140, pitch: 55 },
  { name: "en-us+m7", speed: 170, pitch: 35 },
  { name: "en-gb+f5", speed: 185, pitch: 65 },
  { name: "en-us+f4", speed: 165, pitch: 50 },
];

const HUMAN_TEXTS = [
  "Hello?",
  "Hello.",
  "Hi.",
  "Yes?",
  "Yeah, hello?",
  "Hello, who is this?",
  "Hi, this is Sam.",
  "Hello, this is Sam speaking.",
  "Speaking.",
  "Hello, Smith residence.",
  "Hey, what's up?",
  "Good morning.",
  "Good afternoon, Acme Plumbing, Dana speaking, how can I help you?",
];

const LONG_GREETINGS = [
  "Hi, you've reached John. Please leave a message after the tone.",
  "The person you are calling is not available. Please leave your message after the beep.",
  "Hey, it's Maria. I can't get to the phone right now, so leave a message and I'll call you back.",
  "You have reached five five five, one two three four. Nobody is available to take your call.",
  "Thank you for calling Acme Plumbing. Our office is closed. Our hours are nine to five, Monday to Friday.",
  "Hello, this is Sam. Sorry I missed your call. Leave your name and number and I'll get back to you.",
  "The number you have dialed is not available. At the tone, please record your message.",
  "Hi there! You've reached the Johnson family. We're not home right now. Please leave a message.",
];

const SHORT_GREETINGS = [
  "Leave a message.",
  "Sam here. Leave a message.",
  "Please leave a message.",
  "Hi, it's Dana.",
];

/** Common beeps, and frequencies between the detector's tone bins. */
const BEEP_HZ = [440, 525, 850, 1000, 1375, 1780, 2000, 1000, 610, 930, 1440];
const NOISES: readonly (NoiseColour | undefined)[] = [undefined, "whitenoise", "pinknoise", "brownnoise"];

const EXAMPLE_SAMPLES = (EXAMPLE_MS * SAMPLE_RATE) / 1000;
const NOISE_BED_SECONDS = 60;

interface Builder {
  pcm: Float64Array;
  parts: string[];
}

/**
 * Builds the whole set: 48 human, 48 answering-machine and 8 fax examples (~5 s on an idle core,
 * mostly eSpeak starting up). `seed` draws the timings, levels and noise; the texts and voices are
 * the same for every seed.
 */
export async function buildAmdSet(seed = AMD_SET_SEED): Promise<AmdExample[]> {
  const texts = [...HUMAN_TEXTS, ...LONG_GREETINGS, ...SHORT_GREETINGS];
  const spoken = await Promise.all(VOICES.map((voice) => speakAll(voice, texts)));
  const clip = (voice: number, text: string): Int16Array =>
    (spoken[voice] as Int16Array[])[texts.indexOf(text)] as Int16Array;
  const beds = new Map<NoiseColour, Float64Array>();
  for (const colour of ["whitenoise", "pinknoise", "brownnoise"] as const)
    beds.set(colour, await noiseBed(colour, NOISE_BED_SECONDS));

  const next = random(seed);
  const between = (low: number, high: number): number => low + (high - low) * next();
  const examples: AmdExample[] = [];

  const finish = (b: Builder, index: number, truth: AmdTruth, speechPeakDbfs: number): void => {
    const colour = NOISES[index % NOISES.length];
    if (colour) {
      const belowPeakDb = between(22, 45);
      const noiseDbfs = speechPeakDbfs - belowPeakDb;
      addNoise(b.pcm, beds.get(colour) as Float64Array, noiseDbfs, Math.floor(next() * 1e6));
      b.parts.push(
        `${colour} at ${Math.round(noiseDbfs)} dBFS RMS (${Math.round(belowPeakDb)} dB below the peak)`,
      );
    }
    examples.push({
      name: `${truth}-${String(examples.filter((e) => e.truth === truth).length + 1).padStart(2, "0")}`,
      truth,
      description: b.parts.join(", "),
      pcm: throughUlaw(b.pcm),
    });
  };

  for (let i = 0; i < 48; i++) {
    const b: Builder = { pcm: new Float64Array(EXAMPLE_SAMPLES), parts: [] };
    const voice = (i * 3) % VOICES.length;
    const text = HUMAN_TEXTS[i % HUMAN_TEXTS.length] as string;
    const peak = between(-24, -6);
    let at = between(200, 2000);
    b.parts.push(`${VOICES[voice]?.name}: "${text}" at ${Math.round(at)} ms, ${Math.round(peak)} dBFS`);
    at = place(b.pcm, clip(voice, text), at, peak);
    if (i % 3 === 0) {
      const again = at + between(1500, 2500);
      place(b.pcm, clip(voice, "Hello?"), again, peak);
      if (again < EXAMPLE_MS) b.parts.push(`"Hello?" again at ${Math.round(again)} ms`);
    }
    finish(b, i, "human", peak);
  }

  for (let i = 0; i < 48; i++) {
    const b: Builder = { pcm: new Float64Array(EXAMPLE_SAMPLES), parts: [] };
    const voice = (i * 5 + 1) % VOICES.length;
    const short = i >= 34;
    const text = short
      ? (SHORT_GREETINGS[i % SHORT_GREETINGS.length] as string)
      : (LONG_GREETINGS[i % LONG_GREETINGS.length] as string);
    const peak = between(-20, -6);
    let at = between(100, 1500);
    b.parts.push(`${VOICES[voice]?.name}: "${text}" at ${Math.round(at)} ms, ${Math.round(peak)} dBFS`);
    at = place(b.pcm, clip(voice, text), at, peak);
    // Long greetings: three in four beep. Short ones all beep, the last few after a long gap.
    const beeps = short || i % 4 !== 3;
    if (beeps) {
      const hz = BEEP_HZ[i % BEEP_HZ.length] as number;
      const gap = short && i >= 45 ? between(900, 1200) : between(100, 700);
      const ms = between(150, 1000);
      place(b.pcm, sineTone(hz, ms, 1), at + gap, between(-16, -6));
      const heard = at + gap < EXAMPLE_MS ? "" : " (after the example's end)";
      b.parts.push(`${hz} Hz beep of ${Math.round(ms)} ms ${Math.round(gap)} ms after${heard}`);
    }
    finish(b, i, "machine", peak);
  }

  for (let i = 0; i < 8; i++) {
    const b: Builder = { pcm: new Float64Array(EXAMPLE_SAMPLES), parts: [] };
    const peak = between(-20, -8);
    const at = between(0, 1000);
    const kind = i % 4;
    if (kind === 3) {
      for (let start = at; start < EXAMPLE_MS; start += 3500)
        place(b.pcm, sineTone(1100, 500, 1), start, peak);
      b.parts.push(`CNG (1100 Hz, 0.5 s on, 3 s off) from ${Math.round(at)} ms`);
    } else {
      const ms = between(2600, 4000);
      const tone = kind === 0 ? sineTone(2100, ms, 1) : kind === 1 ? reversingAnswerTone(ms) : ansam(ms);
      place(b.pcm, tone, at, peak);
      b.parts.push(
        `${["CED", "CED with phase reversals", "ANSam"][kind]} for ${Math.round(ms)} ms at ${Math.round(at)} ms`,
      );
    }
    finish(b, i, "fax", peak);
  }
  return examples;
}

/** Adds `clip` at `atMs`, scaled so its peak is `peakDbfs`; returns where it ends, in ms. */
function place(out: Float64Array, clip: ArrayLike<number>, atMs: number, peakDbfs: number): number {
  let peak = 0;
  for (let i = 0; i < clip.length; i++) peak = Math.max(peak, Math.abs(clip[i] as number));
  const gain = (32767 * 10 ** (peakDbfs / 20)) / (peak || 1);
  const start = Math.round((atMs * SAMPLE_RATE) / 1000);
  for (let i = 0; i < clip.length && start + i < out.length; i++)
    out[start + i] = (out[start + i] as number) + (clip[i] as number) * gain;
  return atMs + (clip.length * 1000) / SAMPLE_RATE;
}

function addNoise(out: Float64Array, bed: Float64Array, rmsDbfs: number, offset: number): void {
  const rms = 32768 * 10 ** (rmsDbfs / 20);
  for (let i = 0; i < out.length; i++)
    out[i] = (out[i] as number) + (bed[(offset + i) % bed.length] as number) * rms;
}

/** A sine with 5 ms raised-cosine edges. */
function sineTone(hz: number, ms: number, peak: number): Float64Array {
  return shaped(ms, (t) => peak * Math.sin(2 * Math.PI * hz * t));
}

/** V.25 answer tone with 180° phase reversals every 450 ms. */
function reversingAnswerTone(ms: number): Float64Array {
  return shaped(ms, (t) => (Math.floor(t / 0.45) % 2 === 0 ? 1 : -1) * Math.sin(2 * Math.PI * 2100 * t));
}

/** V.8 ANSam: 2100 Hz amplitude-modulated at 15 Hz by 20%. */
function ansam(ms: number): Float64Array {
  return shaped(ms, (t) => (1 + 0.2 * Math.sin(2 * Math.PI * 15 * t)) * Math.sin(2 * Math.PI * 2100 * t));
}

function shaped(ms: number, at: (seconds: number) => number): Float64Array {
  const length = Math.round((ms * SAMPLE_RATE) / 1000);
  const fade = 40;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const edge = Math.min(i, length - 1 - i);
    const gain = edge < fade ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / fade) : 1;
    out[i] = at(i / SAMPLE_RATE) * gain;
  }
  return out;
}

/** Rounds, clips and passes the signal through G.711 µ-law, as a phone call carries it. */
function throughUlaw(signal: Float64Array): Int16Array {
  const pcm = new Int16Array(Math.ceil(signal.length / FRAME_SAMPLES) * FRAME_SAMPLES);
  for (let i = 0; i < signal.length; i++)
    pcm[i] = Math.max(-32768, Math.min(32767, Math.round(signal[i] as number)));
  return decodeUlaw(encodeUlaw(pcm));
}

/**
 * The examples with rumble added: sox's brown noise, not band-limited (wind, traffic, a handset
 * that passes low frequencies), at an RMS of `dbfs`, a different stretch for each example.
 */
export async function withRumble(examples: readonly AmdExample[], dbfs: number): Promise<AmdExample[]> {
  const bed = await noiseBed("brownnoise", NOISE_BED_SECONDS, true);
  const rms = 32768 * 10 ** (dbfs / 20);
  return examples.map((example, index) => {
    const pcm = new Int16Array(example.pcm.length);
    const offset = index * 7919;
    for (let i = 0; i < pcm.length; i++) {
      const value = (example.pcm[i] as number) + (bed[(offset + i) % bed.length] as number) * rms;
      pcm[i] = Math.max(-32768, Math.min(32767, Math.round(value)));
    }
    return { ...example, pcm, description: `${example.description}, rumble at ${dbfs} dBFS` };
  });
}
