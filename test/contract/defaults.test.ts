import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULTS } from "../../src/contract/defaults.js";

describe("DEFAULTS", () => {
  test("RecordUtterance defaults are docs/contract.md's", () => {
    assert.deepEqual(DEFAULTS.recordUtterance, {
      silenceTimeoutMs: 5000,
      maxLengthSec: 60,
      finishOnKey: null,
      playBeep: false,
      autoStart: false,
      privacyMode: false,
    });
  });

  test("limits are docs/contract.md's and the OpenAPI's", () => {
    assert.equal(DEFAULTS.say.loop, 1);
    assert.equal(DEFAULTS.play.loop, 1);
    assert.equal(DEFAULTS.webhookTimeoutMs, 10_000);
    assert.equal(DEFAULTS.maxRedirects, 256);
    assert.equal(DEFAULTS.privacyRetentionMs, 120_000);
    const { pauseMs, minPauseMs, maxPauseMs } = DEFAULTS.sendDigits;
    assert.ok(minPauseMs === 100 && maxPauseMs === 1000 && pauseMs >= minPauseMs && pauseMs <= maxPauseMs);
  });

  test("GetDigits defaults are consistent", () => {
    const d = DEFAULTS.getDigits;
    assert.ok(d.minDigits <= d.maxDigits);
    assert.ok(d.initialTimeoutMs > 0 && d.digitTimeoutMs > 0);
    assert.equal(d.finishOnKey, "#");
  });

  test("the table is frozen at every level", () => {
    const visit = (value: unknown, path: string): void => {
      if (typeof value !== "object" || value === null) return;
      assert.ok(Object.isFrozen(value), `${path} is frozen`);
      for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
    };
    visit(DEFAULTS, "DEFAULTS");
    assert.throws(() => {
      (DEFAULTS.recordUtterance as { maxLengthSec: number }).maxLengthSec = 1;
    }, TypeError);
  });
});
