import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  authOf,
  eventOf,
  FROM,
  ndjsonLines,
  placeVirtualCall,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TO,
} from "./harness.js";

/** Belay's virtual-calls endpoint over a real socket: the caller's script and the stream itself. */

let harness: TestBelay;
let app: ScriptedApp;

before(async () => {
  harness = await startBelay();
  app = await startScriptedApp({
    "/voice": (_hit, base) => ({ body: [{ Redirect: { actionUrl: `${base}/wait` } }] }),
    "/wait": () => ({ body: [{ Say: { text: "One moment." } }, { Pause: { length: 60_000 } }] }),
    "/hangup": () => ({ body: [{ Say: { text: "Bye." } }, { Hangup: {} }] }),
  });
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

const base = () => ({ statusUrl: `${app.url}/status`, from: FROM, to: TO, fast: true });

test("answerDelayMs: the call is in progress that long after Belay answers", async () => {
  const run = await placeVirtualCall(harness.belay, {
    ...base(),
    appUrl: `${app.url}/hangup`,
    answerDelayMs: 1500,
  });
  assert.equal(run.result.reason, "appHangup");
  const ringing = eventOf(run.events, "status", (e) => e.status === "ringing").at;
  assert.equal(eventOf(run.events, "status", (e) => e.status === "inProgress").at - ringing, 1500);
});

test("hangupAtMs: the caller hangs up during a pause → farEndHangup, at that time", async () => {
  const run = await placeVirtualCall(harness.belay, {
    ...base(),
    appUrl: `${app.url}/voice`,
    hangupAtMs: 5000,
  });
  assert.deepEqual([run.result.status, run.result.reason], ["completed", "farEndHangup"]);
  const answered = eventOf(run.events, "status", (e) => e.status === "inProgress").at;
  assert.equal(eventOf(run.events, "ended").at - answered, 5000);
});

test("two fast calls at once run on their own clocks with the same result", async () => {
  const runs = await Promise.all(
    [1, 2].map(() =>
      placeVirtualCall(harness.belay, { ...base(), appUrl: `${app.url}/voice`, hangupAtMs: 3000 }),
    ),
  );
  const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
  assert.notEqual(a.result.callId, b.result.callId);
  const shape = (run: typeof a) => run.events.map((e) => [e.type, e.at]);
  assert.deepEqual(shape(a), shape(b));
});

test("a client that disconnects mid-call hangs the caller up; Belay keeps serving", async () => {
  const controller = new AbortController();
  const response = await fetch(`${harness.belay.publicUrl()}/belay/v1/virtual-calls`, {
    method: "POST",
    headers: { authorization: authOf(harness.belay), "content-type": "application/json" },
    // Real time: without the hang-up the call would pause for a minute.
    body: JSON.stringify({ ...base(), fast: false, appUrl: `${app.url}/voice` }),
    signal: controller.signal,
  });
  const started = performance.now();
  let callId = "";
  for await (const line of ndjsonLines(response)) {
    const event = JSON.parse(line) as { type: string; callId?: string; name?: string };
    if (event.type === "started") callId = event.callId as string;
    if (event.type === "command" && event.name === "Pause") break;
  }
  controller.abort();
  const status = await app.nextHit(
    "/status",
    app.hits.findIndex((h) => h.body.callId === callId),
  );
  assert.equal(status.body.callId, callId);
  assert.equal(status.body.callEndedReason, "farEndHangup");
  assert.ok(performance.now() - started < 10_000, "ended long before the pause would have");
  const health = await fetch(`${harness.belay.publicUrl()}/healthz`);
  assert.deepEqual(await health.json(), { ok: true, liveCalls: 0 });
});
