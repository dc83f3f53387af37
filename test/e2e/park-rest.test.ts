import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { directRouting } from "../../src/calls/inbound-route.js";
import { runVirtualCall } from "../../src/calls/virtual-call.js";
import type { CallOutcome } from "../../src/engine/call.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { validate } from "../helpers/openapi.js";
import { assertEveryWebhook } from "../helpers/park-webhooks.js";
import {
  type AppHit,
  authOf,
  FROM,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TO,
} from "./harness.js";

/**
 * Resuming a parked call through the REST API, over real HTTP: POST to the Call with status
 * inProgress (docs/parking.md). The call runs on simulated time; while the test talks to the API,
 * the app holds that time still (clock.track of a promise it resolves itself), so the call is
 * exactly where the test expects it.
 */

let harness: TestBelay;
let app: ScriptedApp;
const clock = new SimulatedClock(Date.now());
const held: Array<() => void> = [];

/** Holds the call's simulated time still until the test lets go. */
function hold(): void {
  void clock.track(new Promise<void>((resolve) => held.push(resolve)));
}

function letGo(): void {
  for (const release of held.splice(0)) release();
}

let waits = 0;
let parkedForHangUp!: (hit: AppHit) => void;
const parkedOnce = new Promise<AppHit>((resolve) => {
  parkedForHangUp = resolve;
});
let secondWait!: (hit: AppHit) => void;
const parkedAgain = new Promise<AppHit>((resolve) => {
  secondWait = resolve;
});

before(async () => {
  harness = await startBelay();
  app = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        {
          Park: { waitUrl: `${base}/wait`, actionUrl: `${base}/resumed`, notificationUrl: `${base}/parked` },
        },
      ],
    }),
    // The first wait script plays out (5 s); during the second the test resumes the call.
    "/wait": (hit) => {
      if (++waits === 2) {
        hold();
        secondWait(hit);
      }
      return { body: [{ Pause: { length: waits === 1 ? 5000 : 60_000 } }] };
    },
    "/resumed": () => {
      hold();
      return { body: [{ Pause: { length: 60_000 } }] };
    },
    "/voice-hung-up": (_hit, base) => ({
      body: [{ Park: { waitUrl: `${base}/wait-hung-up`, actionUrl: `${base}/after-hang-up` } }],
    }),
    "/wait-hung-up": (hit) => {
      hold();
      parkedForHangUp(hit);
      return { body: [{ Pause: { length: 60_000 } }] };
    },
  });
});

after(async () => {
  letGo();
  await app?.close();
  await harness?.stop();
});

async function updateCall(
  callId: string,
  status: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { belay } = harness;
  const response = await fetch(
    `${belay.publicUrl()}/apiserver/Accounts/${belay.account.accountId}/Calls/${callId}`,
    {
      method: "POST",
      headers: { authorization: authOf(belay), "content-type": "application/json" },
      body: JSON.stringify({ status }),
    },
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test("POST status inProgress resumes a parked call; on a call not parked it is 409", async () => {
  const { belay } = harness;
  const outcome: Promise<CallOutcome> = runVirtualCall(
    belay.engine,
    {
      routing: directRouting(belay.account.accountId, `${app.url}/voice`, `${app.url}/status`),
      from: FROM,
      to: TO,
      script: {},
      fast: true,
      clock,
    },
    () => undefined,
  ).then((r) => r.outcome);

  const waiting = await parkedAgain;
  const callId = String(waiting.body.callId);
  const resumed = await updateCall(callId, "inProgress");
  assert.equal(resumed.status, 202, JSON.stringify(resumed.body));
  assert.deepEqual(validate("CallResult", resumed.body), []);
  assert.deepEqual([resumed.body.callId, resumed.body.status], [callId, "inProgress"]);

  const unparked = await app.nextHit("/resumed");
  assert.deepEqual([unparked.body.parkResult, unparked.body.parkTime], ["restApi", 5]);
  // Now the call runs actionUrl's script: live, in progress, but not parked.
  const refused = await updateCall(callId, "inProgress");
  assert.equal(refused.status, 409);
  assert.deepEqual(Object.keys(refused.body).sort(), ["code", "details", "message", "url"]);
  assert.equal(refused.body.code, 9);
  assert.match(
    String(refused.body.message),
    /is inProgress but not parked: "inProgress" resumes only a parked call/,
  );

  const hungUp = await updateCall(callId, "completed");
  assert.equal(hungUp.status, 202, "completed still hangs up a call in progress");
  letGo();
  const ended = await outcome;
  assert.equal(ended.reason, "callCanceled");
  const again = await updateCall(callId, "inProgress");
  assert.equal(again.status, 409);
  assert.match(String(again.body.message), /already ended: it is completed/);

  await belay.app.drainOutbox();
  const hits = app.hits.filter((h: AppHit) => h.body.callId === callId);
  assert.deepEqual(
    hits.map((h) => `${h.body.requestType} ${h.path}`).sort(),
    [
      "callStatus /status",
      "inboundCall /voice",
      "parkNotification /parked",
      "parkWait /wait",
      "parkWait /wait",
      "unpark /resumed",
    ].sort(),
  );
  assertEveryWebhook(hits.map((h) => h.body));
  for (const hit of hits) if (hit.body.requestType !== "callStatus") assert.equal(hit.body.queueId, null);
  const status = hits.find((h) => h.path === "/status");
  assert.deepEqual([status?.body.callStatus, status?.body.callEndedReason], ["completed", "callCanceled"]);
});

test("POST status completed hangs up a parked call: actionUrl is told (callEnded)", async () => {
  const { belay } = harness;
  const outcome = runVirtualCall(
    belay.engine,
    {
      routing: directRouting(belay.account.accountId, `${app.url}/voice-hung-up`, `${app.url}/status`),
      from: FROM,
      to: TO,
      script: {},
      fast: true,
      clock,
    },
    () => undefined,
  ).then((r) => r.outcome);
  const callId = String((await parkedOnce).body.callId);
  const hungUp = await updateCall(callId, "completed");
  assert.equal(hungUp.status, 202);
  assert.deepEqual(validate("CallResult", hungUp.body), []);
  letGo();
  assert.equal((await outcome).reason, "callCanceled");
  await belay.app.drainOutbox();
  const unparked = app.hits.find((h) => h.path === "/after-hang-up" && h.body.callId === callId);
  assert.ok(unparked, "actionUrl got unpark");
  assertEveryWebhook(app.hits.filter((h) => h.body.callId === callId).map((h) => h.body));
  assert.deepEqual([unparked.body.requestType, unparked.body.parkResult], ["unpark", "callEnded"]);
  const hits = app.hits.filter((h) => h.body.callId === callId).map((h) => h.path);
  assert.ok(hits.indexOf("/after-hang-up") < hits.indexOf("/status"), "unpark comes before callStatus");
});

test('an update other than canceled, completed or inProgress is still 400 naming "status"', async () => {
  const response = await updateCall(`CA${"0".repeat(40)}`, "ringing");
  assert.equal(response.status, 400);
  assert.match(String(response.body.message), /status/);
});
