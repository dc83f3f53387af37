import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { newId } from "../../src/contract/ids.js";
import type { Call, CallOutcome } from "../../src/engine/call.js";
import { dialDigitsSteps } from "../../src/engine/dial-digits.js";
import type { TimelineEvent } from "../../src/engine/timeline.js";
import type { CallerScript } from "../../src/legs/virtual/script.js";
import { type CalleeAnswer, VirtualCallee } from "../../src/legs/virtual/virtual-callee.js";
import type { CallRow } from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import {
  type AppRequest,
  appUrl,
  callerStream,
  EngineHarness,
  FROM,
  type LogLine,
  type Route,
  ScriptedApp,
  TO,
  talking,
} from "./harness.js";

/**
 * Calls Belay places (direction outboundAPI) to a VirtualCallee, on simulated time: ringing, the
 * ring timeout, busy, no device, cancel, and the device's voice and keys reaching the PerCL.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

interface OutboundRun {
  outcome: CallOutcome;
  timeline: TimelineEvent[];
  requests: AppRequest[];
  leg: VirtualCallee;
  clock: SimulatedClock;
  callId: string;
  row: CallRow;
  logs: LogLine[];
}

interface OutboundOptions {
  routes: Record<string, Route>;
  answers: CalleeAnswer;
  device?: CallerScript;
  timeoutMs?: number;
  sendDigits?: string;
  /** Sees every timeline event as it happens, with the call, to act on it (cancel, hang up). */
  onEvent?: (event: TimelineEvent, call: Call, clock: SimulatedClock) => void;
}

async function dialOut(options: OutboundOptions): Promise<OutboundRun> {
  const clock = new SimulatedClock(0);
  const logs: LogLine[] = [];
  const logger = pino(
    { level: "debug" },
    { write: (text: string) => logs.push(JSON.parse(text) as LogLine) },
  );
  const app = new ScriptedApp(options.routes, clock);
  const engine = h.engine(clock, app, { logger });
  const leg = new VirtualCallee(clock, options.device ?? {}, options.answers);
  const callId = newId("CA");
  const timeline: TimelineEvent[] = [];
  const { done } = engine.start(
    {
      accountId: h.accountId,
      callId,
      from: FROM,
      to: TO,
      direction: "outboundAPI",
      parentCallId: null,
      applicationId: null,
      phoneNumberId: null,
      firstUrl: appUrl("/connect"),
      fallbackUrl: null,
      statusCallbackUrl: appUrl("/status"),
      leg,
      dial: {
        timeoutMs: options.timeoutMs ?? 30_000,
        ...(options.sendDigits ? { sendDigits: options.sendDigits } : {}),
      },
    },
    {
      onCreated: (call) =>
        call.onTimeline((event) => {
          timeline.push(event);
          options.onEvent?.(event, call, clock);
        }),
    },
  );
  const outcome = await done;
  const row = await h.store.calls.get(h.accountId, callId);
  assert.ok(row);
  return { outcome, timeline, requests: app.requests, leg, clock, callId, row, logs };
}

const ANSWER_AT_3S: CalleeAnswer = { kind: "answer", afterMs: 3000 };

function statuses(run: OutboundRun): Array<[string, number]> {
  return run.timeline.flatMap((e) => (e.type === "status" ? [[e.status, e.at] as [string, number]] : []));
}

function common(run: OutboundRun, requestType: string, callStatus: string) {
  return {
    requestType,
    accountId: h.accountId,
    callId: run.callId,
    from: FROM,
    to: TO,
    callStatus,
    direction: "outboundAPI",
    conferenceId: null,
    queueId: null,
    parentCallId: null,
  };
}

/** The two webhooks of a call that never connected: outDialApiConnect then callStatus, both notifications. */
function assertNotConnected(run: OutboundRun, status: string, reason: string, atMs: number): void {
  assert.equal(run.outcome.status, status);
  assert.equal(run.outcome.reason, reason);
  assert.deepEqual(
    run.requests.map((r) => [r.kind, r.url, r.atMs]),
    [
      ["notify", appUrl("/connect"), atMs],
      ["notify", appUrl("/status"), atMs],
    ],
  );
  assert.deepEqual(run.requests[0]?.body, common(run, "outDialApiConnect", status));
  assert.deepEqual(run.requests[1]?.body, { ...common(run, "callStatus", status), callEndedReason: reason });
  assert.equal(run.row.status, status);
  assert.equal(run.row.callEndedReason, reason);
  assert.equal(run.row.connectTime, null);
  assert.equal(run.row.endTime, atMs);
  assert.equal(run.leg.heardDigits.length + run.leg.heard.length, 0, "nothing reached the device");
  assert.equal(run.clock.pendingTimers(), 0, "the call left no timer behind");
}

describe("placing a call", () => {
  test("rings, answers after 3 s, then outDialApiConnect asks for PerCL, inProgress", async () => {
    const run = await dialOut({
      routes: { "/connect": () => [{ SendDigits: { digits: "5" } }, { Hangup: {} }] },
      answers: ANSWER_AT_3S,
    });
    assert.deepEqual(statuses(run), [
      ["ringing", 0],
      ["inProgress", 3000],
    ]);
    const [connect, status] = run.requests;
    assert.deepEqual([connect?.kind, connect?.url, connect?.atMs], ["percl", appUrl("/connect"), 3000]);
    assert.deepEqual(connect?.body, common(run, "outDialApiConnect", "inProgress"));
    assert.deepEqual(run.leg.heardDigits, [{ digits: "5", atMs: 0 }], "the PerCL runs on the answered call");
    assert.deepEqual(status?.body, {
      ...common(run, "callStatus", "completed"),
      callEndedReason: "appHangup",
    });
    assert.equal(status?.kind, "notify");
    assert.equal(run.requests.length, 2);
    assert.equal(run.row.startTime, 0);
    assert.equal(run.row.connectTime, 3000);
    assert.equal(run.row.status, "completed");
    assert.equal(run.row.direction, "outboundAPI");
    assert.equal(run.clock.pendingTimers(), 0);
  });

  test("busy: no ringing; outDialApiConnect reports busy, then callStatus busy", async () => {
    const run = await dialOut({ routes: {}, answers: { kind: "busy" } });
    assert.deepEqual(statuses(run), []);
    assertNotConnected(run, "busy", "busy", 0);
  });

  test("a device that never answers: noAnswer when the ring timeout runs out", async () => {
    const run = await dialOut({ routes: {}, answers: { kind: "noAnswer" }, timeoutMs: 5000 });
    assert.deepEqual(statuses(run), [["ringing", 0]]);
    assertNotConnected(run, "noAnswer", "noAnswer", 5000);
  });

  test("the default 30 s timeout beats a device that would answer after 31 s", async () => {
    const run = await dialOut({ routes: {}, answers: { kind: "answer", afterMs: 31_000 } });
    assertNotConnected(run, "noAnswer", "noAnswer", 30_000);
  });

  test("a device answering just inside the timeout connects", async () => {
    const run = await dialOut({
      routes: { "/connect": () => [{ Hangup: {} }] },
      answers: { kind: "answer", afterMs: 4999 },
      timeoutMs: 5000,
    });
    assert.equal(run.row.connectTime, 4999);
    assert.equal(run.outcome.reason, "appHangup");
  });

  test("no device: failed at once, with a log line naming the number", async () => {
    const run = await dialOut({
      routes: {},
      answers: { kind: "unreachable", message: `no virtual device ${TO} in this account` },
    });
    assertNotConnected(run, "failed", "failed", 0);
    const line = run.logs.find((l) => l.level === 40 && l.msg.includes(TO));
    assert.ok(line, "a warning names the number");
    assert.equal(line.to, TO);
    assert.equal(line.callId, run.callId);
  });

  test("canceled while ringing: canceled, callCanceled, and the device never answers", async () => {
    const run = await dialOut({
      routes: {},
      answers: ANSWER_AT_3S,
      onEvent: (event, call, clock) => {
        if (event.type === "status" && event.status === "ringing")
          clock.setTimeout(() => call.hangup("callCanceled"), 1000);
      },
    });
    assert.deepEqual(statuses(run), [["ringing", 0]]);
    assertNotConnected(run, "canceled", "callCanceled", 1000);
  });

  test("hung up while in progress: completed, and the PerCL stops", async () => {
    const run = await dialOut({
      routes: { "/connect": () => [{ Pause: { length: 60_000 } }, { SendDigits: { digits: "1" } }] },
      answers: ANSWER_AT_3S,
      onEvent: (event, call, clock) => {
        if (event.type === "status" && event.status === "inProgress")
          clock.setTimeout(() => call.hangup("callCanceled"), 2000);
      },
    });
    assert.equal(run.outcome.status, "completed");
    assert.equal(run.outcome.reason, "callCanceled");
    assert.equal(run.row.endTime, 5000);
    assert.deepEqual(run.leg.heardDigits, [], "the command after the Pause never ran");
    assert.equal(run.requests.at(-1)?.body.callEndedReason, "callCanceled");
    assert.equal(run.requests.filter((r) => r.body.requestType === "outDialApiConnect").length, 1);
    assert.equal(run.clock.pendingTimers(), 0);
  });

  test("the device hangs up: farEndHangup, completed", async () => {
    const run = await dialOut({
      routes: { "/connect": () => [{ Pause: { length: 60_000 } }] },
      answers: ANSWER_AT_3S,
      device: { hangupAtMs: 4000 },
    });
    assert.equal(run.outcome.reason, "farEndHangup");
    assert.equal(run.outcome.status, "completed");
    assert.equal(run.row.endTime, 7000);
  });
});

describe("the device's behaviour reaches the app", () => {
  test("its audio is what RecordUtterance records, sample for sample", async () => {
    const voice = talking(2000);
    const device: CallerScript = { audio: voice, audioAtMs: 500 };
    const run = await dialOut({
      routes: {
        "/connect": () => [
          { RecordUtterance: { actionUrl: appUrl("/rec"), silenceTimeoutMs: 1000, maxLengthSec: 10 } },
        ],
        "/rec": () => [{ Hangup: {} }],
      },
      answers: ANSWER_AT_3S,
      device,
    });
    const record = run.requests.find((r) => r.body.requestType === "record");
    assert.ok(record);
    assert.equal(record.body.termReason, "timeout");
    assert.equal(record.body.direction, "outboundAPI");
    const file = await h.recording(record.body.recordingId as string);
    // Recording starts on answer; silence after the voice ends it.
    const expected = callerStream(device, file.pcm.length / 8);
    assert.equal(file.pcm.length, expected.length);
    assert.equal(
      file.pcm.findIndex((s, i) => s !== expected[i]),
      -1,
      "every sample matches the device's audio",
    );
    assert.ok(file.pcm.length >= (500 + 2000) * 8, "the whole voice is in the recording");
  });

  test("its key presses reach GetDigits", async () => {
    const run = await dialOut({
      routes: {
        "/connect": () => [{ GetDigits: { actionUrl: appUrl("/digits"), initialTimeoutMs: 5000 } }],
        "/digits": () => [{ Hangup: {} }],
      },
      answers: ANSWER_AT_3S,
      device: { dtmf: [{ keys: "42#", atMs: 1000 }] },
    });
    const digits = run.requests.find((r) => r.body.requestType === "getDigits");
    assert.deepEqual([digits?.body.digits, digits?.body.reason], ["42", "finishKey"]);
    // "#" is pressed 400 ms into the group and delivered with the frame that holds it, at its end.
    assert.equal(digits?.atMs, 3000 + 1000 + 2 * 200 + 20);
  });

  test("sendDigits are heard by the device once it answers, before outDialApiConnect", async () => {
    const run = await dialOut({
      routes: { "/connect": () => [{ Hangup: {} }] },
      answers: ANSWER_AT_3S,
      sendDigits: "12{1000}3",
    });
    // 100 ms of tone per key, then 500 ms (the default) or the {n} that follows it.
    assert.deepEqual(run.leg.heardDigits, [
      { digits: "1", atMs: 0 },
      { digits: "2", atMs: 600 },
      { digits: "3", atMs: 1700 },
    ]);
    const connect = run.requests.find((r) => r.body.requestType === "outDialApiConnect");
    assert.equal(connect?.atMs, 3000 + 2300);
    const sent = run.timeline.find((e) => e.type === "sentDigits");
    assert.deepEqual([sent?.type === "sentDigits" && sent.digits, sent?.at], ["12{1000}3", 3000]);
  });
});

describe("sendDigits syntax", () => {
  test("keys with the default pause, {n} replacing it, pauses in a row adding up", () => {
    assert.deepEqual(dialDigitsSteps("1234#"), [{ digits: "1234#", pauseMs: 500 }]);
    assert.deepEqual(dialDigitsSteps("{2000}12{100}{50}3"), [
      { waitMs: 2000 },
      { digits: "1", pauseMs: 500 },
      { digits: "2", pauseMs: 150 },
      { digits: "3", pauseMs: 500 },
    ]);
    assert.deepEqual(dialDigitsSteps("12a"), []);
    assert.deepEqual(dialDigitsSteps("{0}1"), []);
  });
});
