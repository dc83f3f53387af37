import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { WebhookBody } from "../../src/engine/ports.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import { encodeWav } from "../../src/media/wav-write.js";
import { assertEveryWebhook } from "../helpers/park-webhooks.js";
import { sine, toInt16 } from "../media/signals.js";
import {
  appUrl,
  assertEnded,
  bodiesOf,
  type CallRun,
  callStatusOf,
  EngineHarness,
  eventsOf,
  onlyRequest,
  sampleAt,
} from "./harness.js";

/**
 * Park and Unpark on simulated time: what the parked caller hears (the wait script, looping,
 * silence between), the webhooks in order, and how the park ends (docs/parking.md).
 */

/** 0.75 s of 440 Hz: 6000 samples, played in 38 frames (760 ms). */
const TONE = toInt16(sine(440, 8000, 0.75, 8000));
const TONE_MS = Math.ceil(TONE.length / FRAME_SAMPLES) * FRAME_MS;
const GAP_MS = 500;
const LOOP_MS = TONE_MS + GAP_MS;

let h: EngineHarness;
let server: Server;
let tone: string;

before(async () => {
  h = await EngineHarness.open({ logs: "capture" });
  // Play fetches over real HTTP: a file server on 127.0.0.1.
  server = createServer((request, response) => {
    if (request.url === "/tone.wav")
      response.writeHead(200, { "Content-Type": "audio/wav" }).end(encodeWav(TONE));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tone = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tone.wav`;
});
after(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  await h.close();
});

const PARK = {
  Park: { waitUrl: appUrl("/wait"), actionUrl: appUrl("/resumed"), notificationUrl: appUrl("/parked") },
};

/** Every body the call sent, checked against Belay's schemas and FreeClimb's; park bodies carry no queueId. */
function assertParkBodies(run: CallRun): void {
  assertEveryWebhook(run.requests.map((r) => r.body));
  const park = run.requests.filter((r) =>
    ["parkNotification", "parkWait", "unpark"].includes(r.body.requestType),
  );
  assert.ok(park.length > 0);
  for (const { body } of park)
    assert.equal(body.queueId, null, `${body.requestType}: a parked call is in no queue`);
}

function sequence(run: CallRun): string[] {
  return run.requests.map(
    (r) => `${r.kind} ${r.body.requestType} ${r.url.replace(/^http:\/\/app\.test/, "")}`,
  );
}

describe("a parked caller", () => {
  let run: CallRun;
  let waits = 0;

  before(async () => {
    run = await h.runCall({
      routes: {
        "/voice": () => [{ StartRecordCall: { tracks: "separate" } }, PARK],
        "/wait": () =>
          ++waits <= 3 ? [{ Play: { file: tone } }, { Pause: { length: GAP_MS } }] : [{ Unpark: {} }],
        "/resumed": () => [{ SendDigits: { digits: "9" } }],
      },
    });
  });

  test("gets parkNotification, then parkWait each time the wait script runs out, then unpark", () => {
    assert.deepEqual(sequence(run), [
      "percl inboundCall /voice",
      "notify parkNotification /parked",
      "percl parkWait /wait",
      "percl parkWait /wait",
      "percl parkWait /wait",
      "percl parkWait /wait",
      "percl unpark /resumed",
      "notify callStatus /status",
    ]);
    const waitsAt = run.requests.filter((r) => r.body.requestType === "parkWait");
    assert.deepEqual(
      waitsAt.map((r) => [r.atMs, r.body.parkTime]),
      [0, 1, 2, 3].map((i) => [i * LOOP_MS, Math.floor((i * LOOP_MS) / 1000)]),
    );
    const notified = onlyRequest(run, "parkNotification").body;
    assert.equal(notified.callStatus, "inProgress", "Park answers the call");
    const unparked = onlyRequest(run, "unpark");
    assert.equal(unparked.kind, "percl");
    assert.equal(unparked.atMs, 3 * LOOP_MS);
    assert.deepEqual([unparked.body.parkResult, unparked.body.parkTime], ["unpark", 3]);
    assertParkBodies(run);
  });

  test("hears the wait script looping: the tone each time, silence between, sample for sample", async () => {
    assert.deepEqual(
      run.leg.heard,
      [0, 1, 2].map((i) => ({ atMs: i * LOOP_MS, samples: TONE.length })),
    );
    const status = callStatusOf(run).body;
    const stored = await h.recording(String(status.recordingId));
    const view = new DataView(stored.bytes.buffer, stored.bytes.byteOffset);
    const frames = (stored.bytes.length - 44) / 4;
    assert.ok(frames >= sampleAt(3 * LOOP_MS), `the recording covers the park (${frames} samples)`);
    const heard = new Int16Array(frames);
    for (let i = 0; i < frames; i++) heard[i] = view.getInt16(46 + 4 * i, true);
    const expected = new Int16Array(frames);
    for (const i of [0, 1, 2]) expected.set(TONE, sampleAt(i * LOOP_MS));
    assert.deepEqual(heard, expected, "right channel: the tone three times, nothing else");
  });

  test("goes on with actionUrl's script once unparked; the timeline says parked, then unparked", () => {
    assert.deepEqual(run.leg.heardDigits, [{ digits: "9", atMs: 3 * LOOP_MS }]);
    assert.deepEqual(
      eventsOf(run, "parked").map((e) => e.at),
      [0],
    );
    assert.deepEqual(
      eventsOf(run, "unparked").map((e) => [e.at, e.parkResult, e.parkTime]),
      [[3 * LOOP_MS, "unpark", 3]],
    );
    assertEnded(run, "appHangup", "completed");
  });
});

test("Unpark after GetDigits in the wait script: the key's script resumes the call", async () => {
  const run = await h.runCall({
    routes: {
      "/voice": () => [{ Park: { waitUrl: appUrl("/wait"), actionUrl: appUrl("/resumed") } }],
      "/wait": () => [{ GetDigits: { actionUrl: appUrl("/key"), maxDigits: 1, initialTimeoutMs: 10_000 } }],
      "/key": (body: WebhookBody) =>
        body.digits === "1"
          ? [{ Unpark: {} }, { SendDigits: { digits: "7" } }]
          : [{ Pause: { length: 100 } }],
      "/resumed": () => [{ SendDigits: { digits: "2" } }, { Hangup: {} }],
    },
    caller: { dtmf: [{ keys: "1", atMs: 2500 }] },
  });
  assert.deepEqual(sequence(run), [
    "percl inboundCall /voice",
    "percl parkWait /wait",
    "percl getDigits /key",
    "percl unpark /resumed",
    "notify callStatus /status",
  ]);
  const key = onlyRequest(run, "getDigits").body;
  assert.deepEqual([key.digits, key.queueId], ["1", null]);
  const unparked = onlyRequest(run, "unpark").body;
  assert.deepEqual([unparked.parkResult, unparked.parkTime], ["unpark", 2]);
  assert.deepEqual(
    run.leg.heardDigits.map((d) => d.digits),
    ["2"],
    "Unpark ends the wait script: its SendDigits never ran",
  );
  assertParkBodies(run);
  assertEnded(run, "appHangup", "completed");
});

test("the caller hangs up while parked: actionUrl gets unpark as a notification, then callStatus", async () => {
  const run = await h.runCall({
    routes: {
      "/voice": () => [PARK],
      "/wait": () => [{ Pause: { length: 2000 } }],
      "/resumed": () => assert.fail("a call that hung up has no PerCL to run"),
    },
    caller: { hangupAtMs: 5000 },
  });
  assert.deepEqual(sequence(run), [
    "percl inboundCall /voice",
    "notify parkNotification /parked",
    "percl parkWait /wait",
    "percl parkWait /wait",
    "percl parkWait /wait",
    "notify unpark /resumed",
    "notify callStatus /status",
  ]);
  const unparked = onlyRequest(run, "unpark");
  assert.equal(unparked.atMs, 5000);
  assert.deepEqual([unparked.body.parkResult, unparked.body.parkTime], ["hangup", 5]);
  assert.deepEqual(
    eventsOf(run, "unparked").map((e) => e.parkResult),
    ["hangup"],
  );
  assertParkBodies(run);
  assertEnded(run, "farEndHangup", "completed");
});

describe("a wait script that cannot run ends the call with the reason", () => {
  for (const [label, wait, reason] of [
    ["its request fails", undefined, "webhookFailed"],
    [
      "it holds a command a park does not allow",
      () => [{ SendDigits: { digits: "1" } }],
      "perclProcessingError",
    ],
    ["it hangs up", () => [{ Say: { text: "Goodbye" } }, { Hangup: {} }], "appHangup"],
  ] as const) {
    test(`${label}: ${reason}, and actionUrl is told (parkResult callEnded)`, async () => {
      const run = await h.runCall({
        routes: { "/voice": () => [PARK], ...(wait ? { "/wait": wait } : {}) },
        speech: false,
      });
      assert.deepEqual(sequence(run).slice(-3), [
        "percl parkWait /wait",
        "notify unpark /resumed",
        "notify callStatus /status",
      ]);
      assert.equal(onlyRequest(run, "unpark").body.parkResult, "callEnded");
      assertParkBodies(run);
      assertEnded(run, reason, "completed");
      if (reason === "perclProcessingError") {
        assert.match(run.outcome.message ?? "", /a wait script may only hold .*; it held SendDigits/);
        assert.ok(h.logs.some((l) => l.msg === run.outcome.message && l.waitUrl === appUrl("/wait")));
      }
    });
  }
});

test("Unpark outside a Park ends the call with perclProcessingError and says why", async () => {
  const run = await h.runCall({
    routes: { "/voice": () => [{ Say: { text: "" } }, { Unpark: {} }] },
    speech: false,
  });
  assert.match(run.outcome.message ?? "", /Unpark: the call is not parked/);
  assert.ok(h.logs.some((l) => /Unpark: the call is not parked/.test(l.msg)));
  assertEnded(run, "perclProcessingError", "completed");
});

test("an empty wait script is silence, asked for again after a second", async () => {
  let waits = 0;
  const run = await h.runCall({
    routes: {
      "/voice": () => [PARK],
      "/wait": () => (++waits < 3 ? [] : [{ Unpark: {} }]),
      "/resumed": () => [{ Hangup: {} }],
    },
  });
  assert.deepEqual(
    bodiesOf(run, "parkWait").map((b) => b.parkTime),
    [0, 1, 2],
  );
  assert.deepEqual(run.leg.heard, []);
  assertEnded(run, "appHangup", "completed");
});
