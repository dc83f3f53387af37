import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { resampleTo8k } from "../../src/media/resample.js";
import { sine, toInt16, toneAmplitude, whiteNoise, zeroCrossingHz } from "./signals.js";

// Skip the filter's start-up and tail when measuring a steady tone.
const EDGE = 200;

function middle(pcm: Int16Array): Int16Array {
  return pcm.subarray(EDGE, pcm.length - EDGE);
}

describe("resampleTo8k", () => {
  for (const rate of [16000, 22050, 44100, 48000]) {
    test(`a 1 kHz tone at ${rate} Hz stays 1 kHz at the same level`, () => {
      const input = toInt16(sine(1000, rate, 1, 16384));
      const out = resampleTo8k(input, rate);
      assert.equal(out.length, 8000);
      const steady = middle(out);
      assert.ok(
        Math.abs(zeroCrossingHz(steady, 8000) - 1000) < 1,
        `frequency ${zeroCrossingHz(steady, 8000)}`,
      );
      const gainDb = 20 * Math.log10(toneAmplitude(steady, 1000, 8000) / 16384);
      assert.ok(Math.abs(gainDb) < 1, `gain ${gainDb.toFixed(2)} dB`);
    });
  }

  test("a 6 kHz tone at 48 kHz (which would alias to 2 kHz) is attenuated by at least 40 dB", () => {
    const out = resampleTo8k(toInt16(sine(6000, 48000, 1, 16384)), 48000);
    const residual = Math.max(toneAmplitude(middle(out), 2000, 8000), 1e-9);
    const attenuationDb = 20 * Math.log10(16384 / residual);
    assert.ok(attenuationDb >= 40, `only ${attenuationDb.toFixed(1)} dB`);
  });

  test("the telephone band passes flat: 300 Hz and 3.4 kHz within 1 dB at 44.1 kHz", () => {
    for (const hz of [300, 3400]) {
      const out = resampleTo8k(toInt16(sine(hz, 44100, 1, 10000)), 44100);
      const gainDb = 20 * Math.log10(toneAmplitude(middle(out), hz, 8000) / 10000);
      assert.ok(Math.abs(gainDb) < 1, `${hz} Hz: ${gainDb.toFixed(2)} dB`);
    }
  });

  test("output length is ceil(n × 8000 / rate)", () => {
    assert.equal(resampleTo8k(new Int16Array(22050), 22050).length, 8000);
    assert.equal(resampleTo8k(new Int16Array(44100 / 2), 44100).length, 4000);
    assert.equal(resampleTo8k(new Int16Array(7), 48000).length, 2);
    assert.equal(resampleTo8k(new Int16Array(1), 16000).length, 1);
    assert.equal(resampleTo8k(new Int16Array(0), 16000).length, 0);
    assert.equal(resampleTo8k(new Int16Array(11025 * 3), 11025).length, 24000);
  });

  test("identity at 8000 Hz: Int16 copied exactly, Float32 scaled from [-1, 1]", () => {
    const pcm = toInt16(whiteNoise(1000, -10, 5));
    const out = resampleTo8k(pcm, 8000);
    assert.notEqual(out, pcm);
    assert.deepEqual(out, pcm);
    const float = Float32Array.from([0, 0.5, -0.5, 1, -1, 2]);
    assert.deepEqual([...resampleTo8k(float, 8000)], [0, 16384, -16384, 32767, -32768, 32767]);
  });

  test("Float32 input in [-1, 1] gives the same result as its Int16 equivalent", () => {
    const pcm = toInt16(sine(700, 16000, 0.1, 12000));
    const float = Float32Array.from(pcm, (v) => v / 32768);
    assert.deepEqual(resampleTo8k(float, 16000), resampleTo8k(pcm, 16000));
  });

  test("a rate with no small common factor (44056 Hz) still resamples correctly", () => {
    const out = resampleTo8k(toInt16(sine(1000, 44056, 1, 16384)), 44056);
    assert.equal(out.length, 8000);
    const gainDb = 20 * Math.log10(toneAmplitude(middle(out), 1000, 8000) / 16384);
    assert.ok(Math.abs(gainDb) < 1, `gain ${gainDb.toFixed(2)} dB`);
  });

  test("60 s at 48 kHz takes well under a second", () => {
    const input = toInt16(whiteNoise(48000 * 60, -20, 9));
    const started = performance.now();
    const out = resampleTo8k(input, 48000);
    const elapsed = performance.now() - started;
    assert.equal(out.length, 480000);
    assert.ok(elapsed < 800, `${elapsed.toFixed(0)} ms`);
  });

  test("rejects rates below 8000 Hz and fractional rates", () => {
    for (const rate of [6000, 0, -1, 22050.5, Number.NaN]) {
      assert.throws(
        () => resampleTo8k(new Int16Array(10), rate),
        (err) => isBelayError(err, "RESAMPLE_RATE_UNSUPPORTED"),
      );
    }
  });
});
