import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_RETRY_MS, retryDelayMs } from "../../src/webhooks/backoff.js";

test("delays double from 1 s and stop at 10 min", () => {
  const delays = Array.from({ length: 13 }, (_, i) => retryDelayMs(i + 1, () => 0));
  assert.deepEqual(
    delays,
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600].map((s) => s * 1000),
  );
  assert.equal(
    retryDelayMs(10_000, () => 0),
    MAX_RETRY_MS,
  );
});

test("jitter adds at most a tenth and follows the random source", () => {
  assert.equal(
    retryDelayMs(3, () => 0.5),
    4200,
  );
  assert.equal(
    retryDelayMs(30, () => 0.999),
    Math.round(MAX_RETRY_MS * 1.0999),
  );
  for (let i = 0; i < 100; i++) {
    const delay = retryDelayMs(5);
    assert.ok(delay >= 16_000 && delay <= 17_600, String(delay));
  }
});
