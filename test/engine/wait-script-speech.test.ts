import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AudioService } from "../../src/engine/audio-service.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { appUrl, EngineHarness } from "./harness.js";

/**
 * A wait script's Says are synthesised ahead, as the call's own scripts' are: every Say of the
 * script is asked for when the script arrives, so in real time the second does not wait for its
 * synthesis after the first has played.
 */

let h: EngineHarness;

before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

test("every Say of a wait script is asked for when the script arrives", async () => {
  const clock = new SimulatedClock(0);
  const asked: Array<[string, number]> = [];
  const audio: AudioService = {
    speak: async (text) => {
      asked.push([text, clock.now()]);
      return new Int16Array(8000).fill(1000);
    },
    load: () => Promise.reject(new Error("no files in this test")),
  };
  const run = await h.runCall({
    clock,
    audio,
    routes: {
      "/voice": () => [{ Park: { waitUrl: appUrl("/wait"), actionUrl: appUrl("/resumed") } }],
      "/wait": () => [{ Say: { text: "one" } }, { Say: { text: "two" } }, { Unpark: {} }],
      "/resumed": () => [{ Hangup: {} }],
    },
  });
  assert.equal(run.outcome.reason, "appHangup");
  assert.deepEqual(asked, [
    ["one", 0],
    ["two", 0],
  ]);
  assert.deepEqual(run.leg.heard, [
    { atMs: 0, samples: 8000 },
    { atMs: 1000, samples: 8000 },
  ]);
});
