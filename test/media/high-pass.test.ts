import assert from "node:assert/strict";
import { test } from "node:test";
import { HighPassFilter } from "../../src/media/high-pass.js";
import { rmsDbfs, sine, toInt16 } from "./signals.js";

/** Level change (dB) of a sine through the filter, measured after the filter has settled. */
function gainDb(hz: number): number {
  const input = toInt16(sine(hz, 8000, 1, 8000));
  const output = new Int16Array(input.length);
  const filter = new HighPassFilter(200);
  // In 20 ms frames, as the detector feeds it: the state must carry across frames.
  for (let at = 0; at < input.length; at += 160)
    filter.process(input.subarray(at, at + 160), output.subarray(at, at + 160));
  return rmsDbfs(output, 4000) - rmsDbfs(input, 4000);
}

test("the 200 Hz high-pass takes hum and rumble out and leaves the voice band alone", () => {
  assert.ok(gainDb(50) < -20, `50 Hz: ${gainDb(50).toFixed(1)} dB`);
  assert.ok(gainDb(100) < -10, `100 Hz: ${gainDb(100).toFixed(1)} dB`);
  assert.ok(Math.abs(gainDb(200) + 3) < 0.5, `200 Hz (the corner): ${gainDb(200).toFixed(1)} dB`);
  for (const hz of [400, 1000, 3000])
    assert.ok(Math.abs(gainDb(hz)) < 0.5, `${hz} Hz: ${gainDb(hz).toFixed(2)} dB`);
});

test("filtering in place gives the same output as into another array", () => {
  const input = toInt16(sine(700, 8000, 0.1, 12000));
  const apart = new Int16Array(input.length);
  new HighPassFilter(200).process(input, apart);
  const inPlace = input.slice();
  new HighPassFilter(200).process(inPlace, inPlace);
  assert.deepEqual(inPlace, apart);
});
