import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertEnded, EngineHarness, eventsOf } from "./harness.js";

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

test("waits exactly `length` ms, then the next command runs", async () => {
  const run = await h.runCall({
    routes: {
      "/voice": () => [
        { SendDigits: { digits: "1" } },
        { Pause: { length: 1234 } },
        { SendDigits: { digits: "2" } },
      ],
    },
  });
  // "1" takes 100 ms of tone plus 100 ms of pause.
  assert.deepEqual(run.leg.heardDigits, [
    { digits: "1", atMs: 0 },
    { digits: "2", atMs: 200 + 1234 },
  ]);
  assert.deepEqual(
    eventsOf(run, "sentDigits").map((e) => e.at),
    [0, 1434],
  );
  assertEnded(run, "appHangup", "completed");
});

test("a Pause first delays picking up the call (FreeClimb's OpenAPI)", async () => {
  const run = await h.runCall({
    routes: { "/voice": () => [{ Pause: { length: 1500 } }, { SendDigits: { digits: "1" } }] },
  });
  const inProgress = eventsOf(run, "status").find((e) => e.status === "inProgress");
  assert.equal(inProgress?.at, 1500);
  assert.equal(run.row.connectTime, 1500);
  assert.deepEqual(run.leg.heardDigits, [{ digits: "1", atMs: 0 }], "answered as the Pause ended");
});

test("a Pause alone never answers the call", async () => {
  const run = await h.runCall({ routes: { "/voice": () => [{ Pause: { length: 700 } }] } });
  assert.ok(!eventsOf(run, "status").some((e) => e.status === "inProgress"));
  assert.equal(run.row.connectTime, null);
  assert.equal(run.timeline.at(-1)?.at, 700);
  assertEnded(run, "appHangup", "completed");
});

test("a hang-up cuts a Pause short", async () => {
  const run = await h.runCall({
    routes: {
      "/voice": () => [
        { SendDigits: { digits: "1" } },
        { Pause: { length: 60_000 } },
        { SendDigits: { digits: "2" } },
      ],
    },
    caller: { hangupAtMs: 1000 },
  });
  assert.equal(run.timeline.at(-1)?.at, 1000);
  assert.deepEqual(
    run.leg.heardDigits.map((d) => d.digits),
    ["1"],
  );
  assertEnded(run, "farEndHangup", "completed");
});
