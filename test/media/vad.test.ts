import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type Frame, toFrames } from "../../src/media/frame.js";
import { loadSpeechEngine } from "../../src/media/tts.js";
import { frameEnergyDbfs, VoiceActivityDetector } from "../../src/media/vad.js";
import { toInt16, whiteNoise } from "./signals.js";

const SENTENCES = [
  "Please leave a message after the tone.",
  "Hi, this is John calling about the appointment tomorrow morning.",
  "Call me back at five five five, one two three four.",
];
const HANGOVER_FRAMES = 12;

/** Three synthesized sentences, each after a second of silence, ending with two seconds of silence. */
let speech: Int16Array;
/** Per frame of `speech`: does the clean signal carry speech (within 30 dB of its loudest frame)? */
let truth: boolean[];
/** RMS level of the speech frames, dBFS. */
let speechDbfs: number;

before(async () => {
  const engine = await loadSpeechEngine();
  assert.ok(engine, "these tests need the espeak-ng package (an optional dependency) installed");
  const parts: Int16Array[] = [];
  for (const sentence of SENTENCES)
    parts.push(new Int16Array(8000), await engine.synthesize(sentence, "en-US"));
  parts.push(new Int16Array(16000));
  speech = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    speech.set(part, offset);
    offset += part.length;
  }
  const energies = toFrames(speech).map(frameEnergyDbfs);
  const loudest = Math.max(...energies);
  truth = energies.map((e) => e > loudest - 30);
  const speechPower = energies.filter((_, i) => truth[i]).reduce((sum, e) => sum + 10 ** (e / 10), 0);
  speechDbfs = 10 * Math.log10(speechPower / truth.filter(Boolean).length);
});

function detect(frames: Frame[]): boolean[] {
  const vad = new VoiceActivityDetector();
  return frames.map((frame) => vad.push(frame));
}

function withNoise(signal: Int16Array, noiseDbfs: number, seed: number): Int16Array {
  const noise = whiteNoise(signal.length, noiseDbfs, seed);
  return toInt16(Array.from(signal, (s, i) => s + (noise[i] as number)));
}

/** Share of speech frames detected, and of clearly non-speech frames (past the hangover) flagged. */
function score(decisions: boolean[]): { detected: number; falseAlarms: number } {
  let speechFrames = 0;
  let hits = 0;
  let quietFrames = 0;
  let alarms = 0;
  let sinceSpeech = Number.POSITIVE_INFINITY;
  decisions.forEach((isSpeech, i) => {
    if (truth[i]) {
      sinceSpeech = 0;
      speechFrames++;
      if (isSpeech) hits++;
    } else if (++sinceSpeech > HANGOVER_FRAMES + 3) {
      quietFrames++;
      if (isSpeech) alarms++;
    }
  });
  return { detected: hits / speechFrames, falseAlarms: alarms / quietFrames };
}

describe("VoiceActivityDetector on synthesized speech", () => {
  test("finds the speech under -40 dBFS line noise, and not the noise", () => {
    const { detected, falseAlarms } = score(detect(toFrames(withNoise(speech, -40, 1))));
    assert.ok(detected > 0.9, `detected ${(detected * 100).toFixed(1)}%`);
    assert.equal(falseAlarms, 0);
  });

  test("finds the speech at 15 dB SNR, and not the noise", () => {
    const { detected, falseAlarms } = score(detect(toFrames(withNoise(speech, speechDbfs - 15, 2))));
    assert.ok(detected > 0.85, `detected ${(detected * 100).toFixed(1)}%`);
    assert.ok(falseAlarms < 0.02, `false alarms ${(falseAlarms * 100).toFixed(1)}%`);
  });

  test("clean speech: the gaps between words are bridged, the pauses between sentences are not", () => {
    const decisions = detect(toFrames(speech));
    const { detected, falseAlarms } = score(decisions);
    assert.ok(detected > 0.95, `detected ${(detected * 100).toFixed(1)}%`);
    assert.equal(falseAlarms, 0);
    const segments = decisions.filter((d, i) => d && !decisions[i - 1]).length;
    assert.ok(
      segments >= SENTENCES.length && segments <= SENTENCES.length * 2,
      `${segments} speech segments`,
    );
  });
});

describe("VoiceActivityDetector on non-speech", () => {
  test("digital silence is never speech", () => {
    assert.ok(detect(toFrames(new Int16Array(8000 * 5))).every((d) => !d));
  });

  test("loud steady noise is not speech", () => {
    assert.ok(detect(toFrames(toInt16(whiteNoise(8000 * 5, -30, 3)))).every((d) => !d));
  });

  test("loud noise after digital silence stops counting as speech within ~1.5 s", () => {
    const signal = new Int16Array(8000 * 8);
    signal.set(toInt16(whiteNoise(8000 * 6, -30, 4)), 8000 * 2);
    const decisions = detect(toFrames(signal));
    const lastSpeech = decisions.lastIndexOf(true);
    const noiseStart = (2 * 1000) / 20;
    assert.ok(
      lastSpeech < noiseStart + 75,
      `still speech ${((lastSpeech - noiseStart) * 20) / 1000} s into the noise`,
    );
  });

  test("a click, even straddling two frames, is not speech", () => {
    const signal = toInt16(whiteNoise(8000 * 4, -50, 5));
    for (const at of [8000 + 80, 16000 - 2]) {
      for (let k = 0; k < 4; k++) signal[at + k] = k % 2 ? -30000 : 30000;
    }
    assert.ok(detect(toFrames(signal)).every((d) => !d));
  });
});

describe("VoiceActivityDetector timing", () => {
  // Quiet noise, then a 400 ms burst 40 dB louder, then quiet noise again.
  const quiet = whiteNoise(8000 * 3, -60, 6);
  const burst = whiteNoise(3200, -20, 7);
  const signal = toInt16(quiet.map((q, i) => (i >= 8000 && i < 11200 ? (burst[i - 8000] as number) : q)));
  const burstFrames = { first: 8000 / 160, last: 11200 / 160 - 1 };

  test("speech starts on the 3rd loud frame and lasts 240 ms past the last one", () => {
    const decisions = detect(toFrames(signal));
    assert.equal(decisions.indexOf(true), burstFrames.first + 2);
    assert.equal(decisions.lastIndexOf(true), burstFrames.last + HANGOVER_FRAMES);
  });

  test("options change the onset and hangover", () => {
    const vad = new VoiceActivityDetector({ onsetFrames: 1, hangoverFrames: 5 });
    const decisions = toFrames(signal).map((f) => vad.push(f));
    assert.equal(decisions.indexOf(true), burstFrames.first);
    assert.equal(decisions.lastIndexOf(true), burstFrames.last + 5);
  });

  test("frame energy is the samples' variance in dBFS, whatever the frame's length", () => {
    const noise = toInt16(whiteNoise(1000, -20, 7));
    for (const length of [160, 161, 162, 163, 3, 1]) {
      const frame = noise.subarray(0, length);
      let mean = 0;
      for (const s of frame) mean += s / length;
      let variance = 0;
      for (const s of frame) variance += (s - mean) ** 2 / length;
      const expected = variance > 0 ? 10 * Math.log10(variance / 32768 ** 2) : -100;
      assert.ok(Math.abs(frameEnergyDbfs(frame) - expected) < 1e-6, `length ${length}`);
    }
    // A DC offset is not energy; a full-scale square wave is 0 dBFS.
    assert.equal(frameEnergyDbfs(new Int16Array(160).fill(1000)), -100);
    const square = Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 32767 : -32768));
    assert.ok(Math.abs(frameEnergyDbfs(square)) < 0.001);
  });

  test("reports its noise floor and last energy", () => {
    const vad = new VoiceActivityDetector();
    for (const frame of toFrames(signal.subarray(0, 8000))) vad.push(frame);
    assert.ok(Math.abs(vad.noiseFloorDbfs + 60) < 3, `floor ${vad.noiseFloorDbfs}`);
    assert.ok(Math.abs(vad.lastEnergyDbfs + 60) < 3, `energy ${vad.lastEnergyDbfs}`);
    vad.reset();
    assert.ok(Number.isNaN(vad.noiseFloorDbfs));
  });
});
