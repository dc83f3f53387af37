import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { MachineDetector, type MachineVerdict } from "../../src/media/amd.js";
import { FRAME_SAMPLES, SAMPLE_RATE } from "../../src/media/frame.js";
import { dtmfTone } from "../../src/media/tones.js";
import { runDetector, score } from "./amd-score.js";
import { type AmdExample, buildAmdSet } from "./amd-set.js";
import { noiseBed, speakAll } from "./amd-synth.js";
import { sine, toInt16, whiteNoise } from "./signals.js";

const MS = SAMPLE_RATE / 1000;

/** Audio pieces laid end to end, padded to whole frames and to at least `totalMs`. */
function timeline(pieces: (Int16Array | number)[], totalMs = 6000): Int16Array {
  const parts = pieces.map((piece) => (typeof piece === "number" ? new Int16Array(piece * MS) : piece));
  const length = Math.max(
    totalMs * MS,
    parts.reduce((n, p) => n + p.length, 0),
  );
  const out = new Int16Array(Math.ceil(length / FRAME_SAMPLES) * FRAME_SAMPLES);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function tone(hz: number, ms: number, peak = 8000): Int16Array {
  return toInt16(sine(hz, SAMPLE_RATE, ms / 1000, peak));
}

/** Every verdict the detector returns, frame by frame (undefined until it decides). */
function verdicts(pcm: Int16Array): (MachineVerdict | undefined)[] {
  const detector = new MachineDetector();
  const out: (MachineVerdict | undefined)[] = [];
  for (let at = 0; at < pcm.length; at += FRAME_SAMPLES)
    out.push(detector.push(pcm.subarray(at, at + FRAME_SAMPLES)));
  return out;
}

describe("MachineDetector on single signals", () => {
  let hello: Int16Array;
  let greeting: Int16Array;

  before(async () => {
    const clips = await speakAll({ name: "en-us", speed: 175, pitch: 50 }, [
      "Hello?",
      "Hi, you've reached Sam and Alex. We can't take your call right now, please leave a message.",
    ]);
    hello = clips[0] as Int16Array;
    greeting = clips[1] as Int16Array;
    assert.ok(hello.length > 0.3 * SAMPLE_RATE && hello.length < 0.8 * SAMPLE_RATE, "a short hello");
  });

  test("silence only is unknown at the 5 s deadline, and undecided before it", () => {
    const all = verdicts(timeline([], 6000));
    const first = all.findIndex((v) => v !== undefined);
    assert.equal(first, 5000 / 20 - 1, "decided on the frame that ends at 5000 ms");
    const verdict = all[first] as MachineVerdict;
    assert.equal(verdict.kind, "unknown");
    assert.equal(verdict.atMs, 5000);
    assert.match(verdict.reason, /no speech and no tone/);
  });

  test("line noise only is unknown too: noise is not speech", () => {
    const noise = toInt16(whiteNoise(6000 * MS, -45, 3));
    const verdict = runDetector(noise);
    assert.equal(verdict.kind, "unknown");
  });

  test("a pure 1 kHz beep is an answering machine, by its beep, within 200 ms", () => {
    const verdict = runDetector(timeline([400, tone(1000, 500)]));
    assert.equal(verdict.kind, "machine");
    assert.equal(verdict.kind === "machine" && verdict.machineType, "answering machine");
    assert.match(verdict.reason, /beep: 1000 Hz/);
    assert.ok(verdict.atMs >= 400 + 120 && verdict.atMs <= 400 + 200, `decided at ${verdict.atMs} ms`);
  });

  test("beeps anywhere from 400 to 2000 Hz are found, between tone bins too", () => {
    for (const hz of [400, 440, 525, 850, 1375, 1780, 2000]) {
      const verdict = runDetector(timeline([300, tone(hz, 300, 4000)]));
      assert.match(verdict.reason, /beep/, `${hz} Hz: ${verdict.reason}`);
    }
  });

  test("a 60 ms tone is not a beep, nor is a DTMF digit (two tones at once)", () => {
    const blip = runDetector(timeline([300, tone(1000, 60)]));
    assert.notEqual(blip.kind, "machine", blip.reason);
    // 400 ms of sound then silence: the cadence of a short "hello", not a machine's beep.
    const dtmf = runDetector(timeline([300, dtmfTone("5", 400)]));
    assert.equal(dtmf.kind, "human", dtmf.reason);
  });

  test("a special information tone (913.8, 1370.6, 1776.7 Hz) is taken for a beep, as docs/amd.md says", () => {
    const verdict = runDetector(timeline([300, tone(913.8, 274), tone(1370.6, 274), tone(1776.7, 380)]));
    assert.equal(verdict.kind === "machine" && verdict.machineType, "answering machine", verdict.reason);
  });

  test("a fax's CNG (1100 Hz, 0.5 s on, 3 s off) is a fax modem when its burst ends", () => {
    const verdict = runDetector(timeline([300, tone(1100, 500), 3000, tone(1100, 500)]));
    assert.equal(verdict.kind === "machine" && verdict.machineType, "fax modem");
    assert.match(verdict.reason, /CNG/);
    assert.ok(verdict.atMs >= 800 && verdict.atMs <= 860, `decided at ${verdict.atMs} ms`);
  });

  test("1100 Hz held for a second is a beep, not CNG", () => {
    const verdict = runDetector(timeline([300, tone(1100, 1000)]));
    assert.equal(verdict.kind === "machine" && verdict.machineType, "answering machine");
  });

  test("a 2100 Hz answer tone (CED) is a fax modem after 500 ms", () => {
    const verdict = runDetector(timeline([200, tone(2100, 3000)]));
    assert.equal(verdict.kind === "machine" && verdict.machineType, "fax modem");
    assert.match(verdict.reason, /2100 Hz answer tone/);
    assert.ok(verdict.atMs >= 700 && verdict.atMs <= 760, `decided at ${verdict.atMs} ms`);
  });

  test('a short "hello?" then silence is a human, 800 ms after the hello ends', () => {
    const all = verdicts(timeline([500, hello]));
    const first = all.findIndex((v) => v !== undefined);
    const verdict = all[first] as MachineVerdict;
    assert.equal(verdict.kind, "human", verdict.reason);
    const helloEndsMs = 500 + hello.length / MS;
    assert.ok(
      verdict.atMs >= helloEndsMs + 700 && verdict.atMs <= helloEndsMs + 900,
      `hello ends at ${helloEndsMs} ms, decided at ${verdict.atMs} ms`,
    );
    assert.ok(
      all.slice(first).every((v) => v === verdict),
      "the same verdict on every later frame",
    );
  });

  test("a long continuous greeting is an answering machine before it ends", () => {
    const verdict = runDetector(timeline([300, greeting]));
    assert.equal(verdict.kind === "machine" && verdict.machineType, "answering machine", verdict.reason);
    assert.match(verdict.reason, /greeting/);
    assert.ok(verdict.atMs < 300 + greeting.length / MS, `decided at ${verdict.atMs} ms`);
  });

  test('a "hello?" over loud rumble (full-band brown noise at -35 dBFS) is still a human', async () => {
    const rumble = await noiseBed("brownnoise", 6, true);
    const clean = timeline([500, hello]);
    const rms = 32768 * 10 ** (-35 / 20);
    const noisy = toInt16(Array.from(clean, (s, i) => s + (rumble[i] as number) * rms));
    assert.equal(runDetector(noisy).kind, "human", runDetector(noisy).reason);
    // The rumble alone is no one at all.
    assert.equal(
      runDetector(toInt16(Array.from(clean, (_, i) => (rumble[i] as number) * rms))).kind,
      "unknown",
    );
  });

  test("speech that starts at 4.5 s is too late to judge: unknown at 5 s", () => {
    const verdict = runDetector(timeline([4500, hello]));
    assert.equal(verdict.kind, "unknown");
    assert.equal(verdict.atMs, 5000);
    assert.match(verdict.reason, /too late/);
  });

  test("a frame of the wrong size is refused with a clear error", () => {
    assert.throws(() => new MachineDetector().push(new Int16Array(80)), /160 samples .* not 80/);
  });
});

describe("MachineDetector on the labelled synthetic set (docs/amd.md)", () => {
  let examples: AmdExample[];

  before(async () => {
    examples = await buildAmdSet();
  });

  test("holds at least 40 humans and 40 machines, and some faxes", () => {
    const count = (truth: string) => examples.filter((e) => e.truth === truth).length;
    assert.ok(count("human") >= 40 && count("machine") >= 40 && count("fax") >= 4);
  });

  test("decides every example by 5 s, with at least 90% right overall and 85% per class", () => {
    const result = score(examples);
    const wrong = result.outcomes
      .filter((o) => !o.correct)
      .map((o) => `${o.example.name} → ${o.label}: ${o.verdict.reason} [${o.example.description}]`);
    for (const o of result.outcomes)
      assert.ok(o.verdict.atMs <= 5000, `${o.example.name} at ${o.verdict.atMs}`);
    // Measured with this set (seed 14): 94.2% overall; humans 93.8%, machines 93.8%, faxes 100%.
    assert.ok(result.accuracy.all >= 0.9, `overall ${result.accuracy.all}; wrong:\n${wrong.join("\n")}`);
    assert.ok(result.accuracy.human >= 0.85, `humans ${result.accuracy.human}; wrong:\n${wrong.join("\n")}`);
    assert.ok(
      result.accuracy.machine >= 0.85,
      `machines ${result.accuracy.machine}; wrong:\n${wrong.join("\n")}`,
    );
    assert.equal(result.accuracy.fax, 1, `faxes; wrong:\n${wrong.join("\n")}`);
  });
});
