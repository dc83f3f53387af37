import assert from "node:assert/strict";
import { test } from "node:test";
import { FRAME_SAMPLES } from "../../src/media/frame.js";
import { mixMinus, sumFrames } from "../../src/media/mix.js";

/** A frame whose every sample is `value`. */
const level = (value: number) => new Int16Array(FRAME_SAMPLES).fill(value);

test("mix-minus: a talker hears the others, a silent listener hears everyone, both clipped", () => {
  const a = level(30000);
  const b = level(20000);
  const c = level(-1000);
  const total = new Int32Array(FRAME_SAMPLES);
  sumFrames([a, b, undefined, c], total);
  const out = new Int16Array(FRAME_SAMPLES);
  mixMinus(total, a, out);
  assert.deepEqual(out, level(19000));
  mixMinus(total, c, out);
  assert.deepEqual(out, level(32767), "50000 saturates");
  mixMinus(total, undefined, out);
  assert.deepEqual(out, level(32767), "49000 saturates");
  sumFrames([level(-30000), level(-20000)], total);
  mixMinus(total, undefined, out);
  assert.deepEqual(out, level(-32768));
});
