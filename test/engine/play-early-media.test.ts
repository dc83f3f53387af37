import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { VirtualLeg } from "../../src/legs/virtual/virtual-leg.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import { encodeWav } from "../../src/media/wav-write.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { toInt16, whiteNoise } from "../media/signals.js";
import { appUrl, assertEnded, type CallRun, EngineHarness, eventsOf } from "./harness.js";

/** 0.5 s of noise: every sample distinct, so the caller's early audio is checked sample by sample. */
const EARLY = toInt16(whiteNoise(4000, -12, 11));
const EARLY_MS = Math.ceil(EARLY.length / FRAME_SAMPLES) * FRAME_MS;

let h: EngineHarness;
let server: Server;
let files: string;

before(async () => {
  h = await EngineHarness.open({ logs: "capture" });
  server = createServer((request, response) => {
    if (request.url === "/early.wav")
      response.writeHead(200, { "Content-Type": "audio/wav" }).end(encodeWav(EARLY));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  files = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  await h.close();
});

const early = (file = `${files}/early.wav`) => ({ PlayEarlyMedia: { file } });
const statuses = (run: CallRun) => eventsOf(run, "status").map((e) => [e.status, e.at]);

test("the caller hears the file while ringing, then the next Say answers the call", async () => {
  const run = await h.runCall({
    speech: false,
    routes: { "/voice": () => [early(), { Say: { text: "Welcome" } }, { Hangup: {} }] },
  });
  assert.equal(run.leg.earlyHeard.length, 1);
  const [clip] = run.leg.earlyHeard;
  assert.deepEqual(clip?.pcm, EARLY, "every sample of the file reached the caller");
  assert.equal(clip?.atClockMs, 0);
  // Ringing until the early audio ended: the Say answered, at the end of the file.
  assert.deepEqual(statuses(run), [
    ["ringing", 0],
    ["inProgress", EARLY_MS],
  ]);
  assert.equal(run.leg.answeredAtMs, EARLY_MS);
  assert.equal(run.row.connectTime, EARLY_MS);
  assert.equal(run.leg.heard.length, 1, "after the answer only the Say played");
  assert.deepEqual(eventsOf(run, "error"), []);
  assertEnded(run, "appHangup", "completed");
});

test("PlayEarlyMedia then Hangup: the call is never answered", async () => {
  const run = await h.runCall({ routes: { "/voice": () => [early(), { Hangup: {} }] } });
  assert.deepEqual(run.leg.earlyHeard[0]?.pcm, EARLY);
  assert.deepEqual(statuses(run), [["ringing", 0]]);
  assert.equal(run.row.connectTime, null);
  assert.equal(run.row.endTime, EARLY_MS);
  assert.deepEqual(run.leg.heard, []);
  assertEnded(run, "appHangup", "completed");
});

test("not the first command: skipped with a warning, and the script goes on", async () => {
  const before = h.logs.length;
  const run = await h.runCall({
    speech: false,
    routes: { "/voice": () => [{ Say: { text: "Hi" } }, early(), { Hangup: {} }] },
  });
  assert.deepEqual(run.leg.earlyHeard, []);
  assert.equal(run.leg.heard.length, 1, "only the Say");
  const [error] = eventsOf(run, "error");
  assert.match(error?.message ?? "", /^PlayEarlyMedia skipped: the call is already answered/);
  const warnings = h.logs.slice(before).filter((l) => l.level === 40 && /PlayEarlyMedia/.test(l.msg));
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.callId, run.callId);
  assertEnded(run, "appHangup", "completed");
});

test("first in a later script, the call still ringing: skipped, not the first script", async () => {
  const run = await h.runCall({
    routes: {
      "/voice": () => [{ Redirect: { actionUrl: appUrl("/next") } }],
      "/next": () => [early(), { Hangup: {} }],
    },
  });
  assert.deepEqual(run.leg.earlyHeard, []);
  assert.match(eventsOf(run, "error")[0]?.message ?? "", /not the first command of the call's first script/);
  assert.deepEqual(statuses(run), [["ringing", 0]]);
  assertEnded(run, "appHangup", "completed");
});

test("a file that cannot be loaded: skipped, no early media, the script goes on", async () => {
  const run = await h.runCall({
    speech: false,
    routes: { "/voice": () => [early(`${files}/missing.wav`), { Say: { text: "Hi" } }] },
  });
  assert.deepEqual(run.leg.earlyHeard, []);
  assert.match(eventsOf(run, "error")[0]?.message ?? "", /PlayEarlyMedia skipped: .*missing\.wav.*404/);
  assert.deepEqual(statuses(run), [
    ["ringing", 0],
    ["inProgress", 0],
  ]);
});

test("a virtual leg gives no early media once answered", async () => {
  const leg = new VirtualLeg(new SimulatedClock(0), {});
  assert.equal(await leg.earlyMedia(), true);
  assert.equal(await leg.earlyMedia(), true, "idempotent");
  await leg.answer();
  assert.equal(await leg.earlyMedia(), false);
  leg.hangup();
});
