import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertEnded, EngineHarness, eventsOf } from "./harness.js";

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

/** When the second SendDigits starts tells how long the first took. */
async function durationOf(attrs: Record<string, unknown>): Promise<number> {
  const run = await h.runCall({
    routes: { "/voice": () => [{ SendDigits: attrs }, { SendDigits: { digits: "0" } }] },
  });
  const [first, second] = run.leg.heardDigits;
  assert.equal(first?.digits, attrs.digits);
  assert.equal(first?.atMs, 0);
  assert.ok(second);
  return second.atMs;
}

test("sends the digits to the caller, answering the call first", async () => {
  const run = await h.runCall({ routes: { "/voice": () => [{ SendDigits: { digits: "123#" } }] } });
  assert.deepEqual(run.leg.heardDigits, [{ digits: "123#", atMs: 0 }]);
  assert.deepEqual(
    eventsOf(run, "sentDigits").map((e) => [e.digits, e.at]),
    [["123#", 0]],
  );
  assert.equal(run.row.connectTime, 0);
  assertEnded(run, "appHangup", "completed");
});

test("each digit takes 100 ms of tone plus pauseMs (default 100)", async () => {
  assert.equal(await durationOf({ digits: "123" }), 3 * 200);
  assert.equal(await durationOf({ digits: "123", pauseMs: 500 }), 3 * 600);
});

test("pauseMs outside 100-1000 ms is brought into that range", async () => {
  assert.equal(await durationOf({ digits: "12", pauseMs: 5000 }), 2 * 1100);
  assert.equal(await durationOf({ digits: "12", pauseMs: 0 }), 2 * 200);
  assert.equal(await durationOf({ digits: "12", pauseMs: -50 }), 2 * 200);
});

test("privacyMode keeps the digits out of the command's timeline detail", async () => {
  const run = await h.runCall({
    routes: { "/voice": () => [{ SendDigits: { digits: "4321", privacyMode: true } }] },
  });
  assert.equal(eventsOf(run, "command")[0]?.detail, undefined);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "4321", atMs: 0 }]);
});
