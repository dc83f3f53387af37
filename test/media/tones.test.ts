import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { BEEP_HZ, BEEP_MS, beep, dtmfTone, silence } from "../../src/media/tones.js";
import { toneAmplitude, zeroCrossingHz } from "./signals.js";

const DTMF: Record<string, [number, number]> = {
  "1": [697, 1209],
  "2": [697, 1336],
  "3": [697, 1477],
  A: [697, 1633],
  "4": [770, 1209],
  "5": [770, 1336],
  "6": [770, 1477],
  B: [770, 1633],
  "7": [852, 1209],
  "8": [852, 1336],
  "9": [852, 1477],
  C: [852, 1633],
  "*": [941, 1209],
  "0": [941, 1336],
  "#": [941, 1477],
  D: [941, 1633],
};
const ALL_DTMF_HZ = [697, 770, 852, 941, 1209, 1336, 1477, 1633];

function dbfs(amplitude: number): number {
  return 20 * Math.log10(amplitude / 32767);
}

describe("beep", () => {
  test("is a 1000 Hz tone of 250 ms", () => {
    const pcm = beep();
    assert.equal(BEEP_HZ, 1000);
    assert.equal(pcm.length, (BEEP_MS * 8000) / 1000);
    assert.ok(Math.abs(zeroCrossingHz(pcm, 8000) - 1000) < 2);
    assert.ok(Math.abs(dbfs(toneAmplitude(pcm.subarray(40, -40), 1000, 8000)) + 6) < 0.5);
  });

  test("fades in and out over 5 ms instead of starting at full level", () => {
    const pcm = beep();
    const peak = (from: number, to: number) => Math.max(...pcm.subarray(from, to).map(Math.abs));
    assert.equal(pcm[0], 0);
    assert.equal(pcm[pcm.length - 1], 0);
    assert.ok(peak(0, 8) < peak(100, 200) / 4, "first millisecond is quiet");
    assert.ok(peak(pcm.length - 8, pcm.length) < peak(100, 200) / 4, "last millisecond is quiet");
  });

  test("each call returns a fresh copy", () => {
    const a = beep();
    a.fill(0);
    assert.notDeepEqual(beep(), a);
  });
});

describe("dtmfTone", () => {
  for (const [digit, [low, high]] of Object.entries(DTMF)) {
    test(`"${digit}" is ${low} Hz + ${high} Hz at about -7 dBFS each`, () => {
      const pcm = dtmfTone(digit);
      assert.equal(pcm.length, 800);
      const steady = pcm.subarray(40, 760);
      for (const hz of ALL_DTMF_HZ) {
        const level = dbfs(toneAmplitude(steady, hz, 8000));
        if (hz === low || hz === high)
          assert.ok(Math.abs(level + 7) < 0.5, `${hz} Hz at ${level.toFixed(1)} dBFS`);
        else assert.ok(level < -30, `${hz} Hz should be absent, is ${level.toFixed(1)} dBFS`);
      }
    });
  }

  test("accepts lowercase letters and a duration", () => {
    assert.deepEqual(dtmfTone("b", 60), dtmfTone("B", 60));
    assert.equal(dtmfTone("5", 60).length, 480);
  });

  test("never clips", () => {
    for (const digit of Object.keys(DTMF)) assert.ok(Math.max(...dtmfTone(digit).map(Math.abs)) < 32767);
  });

  test("rejects anything that is not one DTMF digit", () => {
    for (const bad of ["E", "", "12", " ", "w"]) {
      assert.throws(
        () => dtmfTone(bad),
        (err) => isBelayError(err, "DTMF_DIGIT_INVALID"),
      );
    }
  });
});

describe("silence", () => {
  test("is digital silence of the requested length", () => {
    const pcm = silence(500);
    assert.equal(pcm.length, 4000);
    assert.ok(pcm.every((v) => v === 0));
    assert.equal(silence(0).length, 0);
  });

  test("rejects negative or non-finite durations", () => {
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => silence(ms),
        (err) => isBelayError(err, "AUDIO_DURATION_INVALID"),
      );
    }
  });
});
