import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertEnded, EngineHarness, eventsOf } from "./harness.js";

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

test("Hangup ends the call with appHangup; later commands never run", async () => {
  const run = await h.runCall({
    routes: {
      "/voice": () => [
        { SendDigits: { digits: "1" } },
        { Hangup: { reason: "done" } },
        { SendDigits: { digits: "2" } },
      ],
    },
  });
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 0 }]);
  assert.deepEqual(
    eventsOf(run, "command").map((e) => e.name),
    ["SendDigits", "Hangup"],
  );
  assert.equal(run.timeline.at(-1)?.at, 200);
  assert.equal(run.row.connectTime, 0);
  assertEnded(run, "appHangup", "completed");
});

test("Reject ends the call with appReject and never answers it", async () => {
  const run = await h.runCall({
    routes: { "/voice": () => [{ Reject: { reason: "blocked" } }, { Say: { text: "never" } }] },
  });
  assert.deepEqual(
    eventsOf(run, "status").map((e) => e.status),
    ["ringing"],
  );
  assert.equal(run.row.connectTime, null);
  assert.deepEqual(run.leg.heard, []);
  assert.equal(eventsOf(run, "command").length, 1);
  assertEnded(run, "appReject", "completed");
});
