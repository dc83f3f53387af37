import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type CallCentreApp, startCallCentreApp } from "../../examples/call-centre/app.js";
import type { ScenarioLine } from "../../src/api/routes/scenarios.js";
import type { ScenarioEvent } from "../../src/calls/scenario.js";
import { readWav } from "../../src/media/wav-read.js";
import { until } from "../helpers/until.js";
import { sine, toInt16, toneAmplitude } from "../media/signals.js";
import {
  authOf,
  ndjsonLines,
  openApiErrors,
  pcmToBase64,
  runScenarioRequest,
  type ScenarioRun,
  startBelay,
  type TestBelay,
} from "./harness.js";

/**
 * POST /belay/v1/scenarios against a real Belay and the call-centre example app over real HTTP: a
 * caller hunts two agents that exist only in the scenario (one busy, one answering after 3 s).
 */

const AGENT_1 = "+15550003001";
const AGENT_2 = "+15550003002";
const CALLER = "+15550001001";
const CENTRE = "+15550002000";
/**
 * The app checks for a connected agent every 800 ms and gives each agent 3.2 s: agent-2 is dialled
 * at 3.2 s and answers at 6.2 s, 600 ms after a check (5.6 s), so the customer's checks, which real
 * time makes later by their webhooks' round trips, stay clear of it; the customer joins at 6.4 s.
 */
const POLL_MS = 800;
const RING_MS = 3200;
const AGENT_2_ANSWERS_AT = RING_MS + 3000;
const CUSTOMER_JOINS_AT = 6400;
const CUSTOMER_HANGS_UP_AFTER = 1000;
const AGENT_HANGS_UP_AFTER = 1800;

let harness: TestBelay;
let app: CallCentreApp;

before(async () => {
  harness = await startBelay();
  app = await startCallCentreApp({
    port: 0,
    agents: [AGENT_1, AGENT_2],
    pollMs: POLL_MS,
    ringMs: RING_MS,
    record: true,
  });
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

/** A voice: a tone of its own pitch, so each party is told apart. */
const voice = (hz: number, seconds: number) => pcmToBase64(toInt16(sine(hz, 8000, seconds, 8000)));

function scenario(fast: boolean): Record<string, unknown> {
  return {
    fast,
    callers: [
      {
        name: "customer",
        from: CALLER,
        to: CENTRE,
        appUrl: `${app.url}/voice`,
        statusUrl: `${app.url}/status`,
        voice: { audio: voice(CUSTOMER_HZ, 0.6), atMs: 200 },
        keys: [{ keys: "1", atMs: 500 }],
        hangupAtMs: CUSTOMER_HANGS_UP_AFTER,
      },
    ],
    devices: [
      { name: "agent-1", number: AGENT_1, mode: "busy" },
      {
        name: "agent-2",
        number: AGENT_2,
        answerAfterMs: 3000,
        voice: { audio: voice(AGENT_HZ, 0.4), atMs: 100 },
        hangupAtMs: AGENT_HANGS_UP_AFTER,
      },
    ],
  };
}

type Run = ScenarioRun;

const runScenario = (body: Record<string, unknown>): Promise<Run> => runScenarioRequest(harness.belay, body);

function postScenario(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${harness.belay.publicUrl()}/belay/v1/scenarios`, {
    method: "POST",
    headers: { authorization: authOf(harness.belay), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const timelineOf = (run: Run, call: string) => run.events.filter((e) => e.call === call);
const resultOf = (run: Run, call: string) => {
  const found = run.calls.find((c) => c.call === call);
  assert.ok(found, `no call ${call} in ${run.calls.map((c) => c.call).join(", ")}`);
  return found;
};
/** An event's kind, precise enough to line two runs up: the command's name, the status, the webhook. */
function kind({ event }: ScenarioEvent): string {
  switch (event.type) {
    case "command":
      return `command ${event.name}`;
    case "status":
      return `status ${event.status}`;
    case "webhook":
    case "notification":
      return `${event.type} ${event.requestType}`;
    case "conference":
      return `conference ${event.event}`;
    case "ended":
      return `ended ${event.reason}`;
    default:
      return event.type;
  }
}

const PERCL_REQUESTS = new Set([
  "inboundCall",
  "createConference",
  "outDialStart",
  "redirect",
  "outDialConnect",
]);
/** Asked for PerCL (the call waits for the answer), as opposed to a notification from the outbox. */
const isPerclRequest = (body: Record<string, unknown>) =>
  PERCL_REQUESTS.has(String(body.requestType)) &&
  !(body.requestType === "outDialConnect" && body.callStatus !== "inProgress");
const SCHEMA_FOR: Record<string, string> = {
  inboundCall: "InboundCallWebhook",
  createConference: "CreateConferenceWebhook",
  outDialStart: "OutDialStartWebhook",
  redirect: "RedirectWebhook",
  outDialConnect: "OutDialConnectWebhook",
  callStatus: "CallStatusWebhook",
  conferenceStatus: "ConferenceStatusWebhook",
  conferenceRecordingStatus: "ConferenceRecordingStatusWebhook",
};

const CUSTOMER_HZ = 300;
const AGENT_HZ = 500;

/** The conference's recording, as the REST API serves it. */
async function recordingPcm(recordingId: string): Promise<Int16Array> {
  const { accountId } = harness.belay.account;
  const response = await fetch(
    `${harness.belay.publicUrl()}/apiserver/Accounts/${accountId}/Recordings/${recordingId}/Download`,
    { headers: { authorization: authOf(harness.belay) } },
  );
  assert.equal(response.status, 200);
  return readWav(new Uint8Array(await response.arrayBuffer())).pcm8k;
}

/** A tone's amplitude in [fromMs, toMs) of 8 kHz PCM. */
const amplitude = (pcm: Int16Array, hz: number, fromMs: number, toMs: number) =>
  toneAmplitude(pcm.subarray(fromMs * 8, toMs * 8), hz, 8000);

describe("scenarios", () => {
  test("a caller hunts two scenario agents: busy, then one answering after 3 s (--fast)", async (t) => {
    const from = app.received.length;
    const run = await runScenario(scenario(true));

    // How each call ended, on the run's clock: agent-2 is dialled once agent-1 has had its 3.2 s,
    // answers 3 s later, and the customer joins at the app's next check.
    const customer = resultOf(run, "customer");
    assert.deepEqual(
      { status: customer.status, reason: customer.reason, at: customer.endedAtMs },
      { status: "completed", reason: "farEndHangup", at: CUSTOMER_JOINS_AT + CUSTOMER_HANGS_UP_AFTER },
    );
    const agent1 = resultOf(run, "agent-1");
    assert.deepEqual([agent1.status, agent1.reason, agent1.startedAtMs], ["busy", "busy", 0]);
    assert.equal(agent1.parentCallId, customer.callId);
    const agent2 = resultOf(run, "agent-2");
    assert.deepEqual(
      [agent2.status, agent2.reason, agent2.startedAtMs, agent2.endedAtMs],
      ["completed", "farEndHangup", RING_MS, AGENT_2_ANSWERS_AT + AGENT_HANGS_UP_AFTER],
    );
    assert.deepEqual(
      run.calls.map((c) => c.call),
      ["customer", "agent-1", "agent-2"],
      "the result lists the calls in the order they started",
    );
    const at = (call: string, what: string) => timelineOf(run, call).find((e) => kind(e) === what)?.runAtMs;
    assert.equal(at("agent-2", "status inProgress"), AGENT_2_ANSWERS_AT);
    assert.equal(at("agent-2", "conference joined"), AGENT_2_ANSWERS_AT);
    assert.equal(at("customer", "conference joined"), CUSTOMER_JOINS_AT);
    assert.ok(
      timelineOf(run, "agent-2").some((e) => e.event.type === "sentDigits" && e.event.digits === "1"),
      "the customer's key reached the agent through the conference",
    );

    // The PerCL requests, in the order the app got them (each answered before the next was asked).
    const hits = () => app.received.slice(from);
    const perclHits = hits().filter((h) => isPerclRequest(h.body));
    const polls = (n: number) => Array.from({ length: n }, () => "redirect /route");
    assert.deepEqual(
      perclHits.map((h) => `${h.body.requestType} ${h.path}`),
      [
        "inboundCall /voice",
        "createConference /created",
        "outDialStart /dialled",
        ...polls(4),
        "outDialStart /dialled",
        ...polls(3),
        "outDialConnect /agent-connect",
        ...polls(1),
      ],
    );
    // Notifications go through the outbox: wait for the last, then check each call's in order.
    await until(
      async () =>
        hits().filter((h) => h.body.requestType === "callStatus").length === 3 &&
        hits().some((h) => h.body.requestType === "conferenceStatus" && h.body.status === "terminated") &&
        hits().some((h) => h.body.requestType === "conferenceRecordingStatus")
          ? true
          : undefined,
      10_000,
      "every callStatus and the conference's end",
    );
    const ofCall = (callId: string) =>
      hits()
        .filter(
          (h) =>
            h.body.callId === callId &&
            !isPerclRequest(h.body) &&
            (h.body.requestType === "callStatus" || h.body.requestType === "outDialConnect"),
        )
        .map(
          (h) =>
            `${h.body.requestType} ${h.body.callStatus}${h.body.callEndedReason ? ` ${h.body.callEndedReason}` : ""}`,
        );
    assert.deepEqual(ofCall(agent1.callId), ["outDialConnect busy", "callStatus busy busy"]);
    assert.deepEqual(ofCall(customer.callId).at(-1), "callStatus completed farEndHangup");
    assert.deepEqual(ofCall(agent2.callId).at(-1), "callStatus completed farEndHangup");
    assert.deepEqual(
      hits()
        .filter((h) => h.body.requestType === "conferenceStatus")
        .map((h) => h.body.status),
      ["populated", "inProgress", "terminated"],
    );
    for (const hit of hits()) {
      const schema = SCHEMA_FOR[String(hit.body.requestType)];
      assert.ok(schema, `a webhook of an unexpected type: ${hit.body.requestType}`);
      assert.deepEqual(openApiErrors(schema, hit.body), [], `${hit.body.requestType} ${hit.path}`);
    }

    // The voices met in the conference: its recording (from agent-2's entry at 6.2 s) holds the
    // agent's tone from its 0.1 s (for 0.4 s), the customer's from 0.4 s (6.4 s + its 0.2 s).
    const recorded = hits().find((h) => h.body.requestType === "conferenceRecordingStatus");
    const pcm = await recordingPcm(String(recorded?.body.recordingId));
    const agentSpeaks = {
      agent: amplitude(pcm, AGENT_HZ, 150, 350),
      customer: amplitude(pcm, CUSTOMER_HZ, 150, 350),
    };
    const customerSpeaks = {
      agent: amplitude(pcm, AGENT_HZ, 600, 900),
      customer: amplitude(pcm, CUSTOMER_HZ, 600, 900),
    };
    const report = JSON.stringify({ agentSpeaks, customerSpeaks });
    t.diagnostic(`tone amplitudes in the conference recording: ${report}`);
    assert.ok(agentSpeaks.agent > 4000 && agentSpeaks.customer < 800, report);
    assert.ok(customerSpeaks.customer > 4000 && customerSpeaks.agent < 800, report);

    // Every call is in Belay's store, the devices' calls children of the customer's.
    const stored = await harness.belay.store.calls.get(harness.belay.account.accountId, agent2.callId);
    assert.equal(stored?.parentCallId, customer.callId);
    assert.equal(stored?.direction, "outboundDial");
  });

  test("the same scenario in real time gives the same timelines as on --fast", async (t) => {
    const fast = await runScenario(scenario(true));
    const real = await runScenario(scenario(false));
    // Real time runs behind by what takes no simulated time: the PerCL round trips before an event
    // (the app's and the network's), plus late timers and store writes (100 ms for the run); never
    // ahead by more than a frame's alignment.
    const roundTrips = real.events.flatMap((e) =>
      e.event.type === "webhook" ? [{ at: e.runAtMs, ms: e.event.latencyMs }] : [],
    );
    const allowance = (at: number) =>
      120 + roundTrips.reduce((sum, trip) => sum + (trip.at <= at ? trip.ms : 0), 0);
    const lags: number[] = [];
    for (const call of ["customer", "agent-1", "agent-2"]) {
      const a = timelineOf(fast, call);
      const b = timelineOf(real, call);
      assert.deepEqual(b.map(kind), a.map(kind), `${call}: the same events in the same order`);
      a.forEach((event, i) => {
        const twin = b[i] as ScenarioEvent;
        const lag = twin.runAtMs - event.runAtMs;
        lags.push(lag);
        const most = allowance(twin.runAtMs);
        assert.ok(
          lag >= -20 && lag <= most,
          `${call} ${kind(event)}: ${lag} ms off (${event.runAtMs} on --fast; at most ${most})`,
        );
      });
    }
    t.diagnostic(
      `real time minus --fast, over ${lags.length} events: ${Math.min(...lags)} to ${Math.max(...lags)} ms`,
    );
    for (const call of fast.calls) {
      const twin = resultOf(real, call.call);
      assert.deepEqual([twin.status, twin.reason], [call.status, call.reason], call.call);
    }
  });

  test("a number outside the scenario reaches the account's stored device", async () => {
    const added = await fetch(`${harness.belay.publicUrl()}/belay/v1/devices`, {
      method: "POST",
      headers: { authorization: authOf(harness.belay), "content-type": "application/json" },
      body: JSON.stringify({ phoneNumber: AGENT_1, mode: "busy" }),
    });
    assert.equal(added.status, 201, await added.text());
    try {
      const body = scenario(true) as { devices: Array<{ number: string }> };
      body.devices = body.devices.filter((device) => device.number !== AGENT_1);
      const run = await runScenario(body);
      // Named by its number (it is no device of the scenario), busy as stored rather than failed.
      const stored = resultOf(run, AGENT_1);
      assert.deepEqual([stored.status, stored.reason], ["busy", "busy"]);
      assert.equal(resultOf(run, "agent-2").reason, "farEndHangup");
    } finally {
      const removed = await fetch(
        `${harness.belay.publicUrl()}/belay/v1/devices/${encodeURIComponent(AGENT_1)}`,
        {
          method: "DELETE",
          headers: { authorization: authOf(harness.belay) },
        },
      );
      assert.equal(removed.status, 204);
    }
  });

  test("a client that goes away ends the run: live calls hang up, later callers never start", async () => {
    const body = scenario(false) as { callers: Array<Record<string, unknown>> };
    const late = "+15550001999";
    body.callers[0] = { ...body.callers[0], hangupAtMs: 600_000 };
    body.callers.push({ ...body.callers[0], name: "late", from: late, startAtMs: 60_000 });
    const abandon = new AbortController();
    const response = await fetch(`${harness.belay.publicUrl()}/belay/v1/scenarios`, {
      method: "POST",
      headers: { authorization: authOf(harness.belay), "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: abandon.signal,
    });
    let callId: string | undefined;
    for await (const text of ndjsonLines(response)) {
      const line = JSON.parse(text) as ScenarioLine;
      // Once the customer's call is up and the app is hunting, the client goes.
      if (line.type === "event" && line.event.type === "command" && line.event.name === "Pause") {
        callId = line.callId;
        break;
      }
    }
    abandon.abort();
    assert.ok(callId);
    const { accountId } = harness.belay.account;
    const ended = await until(
      async () => {
        const row = await harness.belay.store.calls.get(accountId, callId as string);
        return row?.endTime ? row : undefined;
      },
      10_000,
      "the abandoned customer's call to end",
    );
    assert.equal(ended.callEndedReason, "farEndHangup");
    const lateCalls = await harness.belay.store.calls.list(accountId, { from: late });
    assert.equal(lateCalls.total, 0, "the caller due at 60 s never called");
  });

  test("an invalid scenario is refused with the field named, before any call", async () => {
    const calls = await harness.belay.store.calls.list(harness.belay.account.accountId, {});
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...scenario(true), callers: [] }, /"callers" a scenario needs at least one caller/],
      [
        { ...scenario(true), devices: [{ number: AGENT_1 }, { number: AGENT_1, mode: "busy" }] },
        /"devices\.1\.number" \+15550003001 is already devices\[0\]/,
      ],
      [
        { ...scenario(true), devices: [{ number: AGENT_1, mode: "busy", answerAfterMs: 100 }] },
        /"devices\.0\.answerAfterMs" answerAfterMs applies only to mode answer/,
      ],
      [
        { fast: true, callers: [{ from: CALLER, to: CENTRE, appUrl: `${app.url}/voice`, hangUpAtMs: 5 }] },
        /"callers\.0" Unrecognized key: "hangUpAtMs"/,
      ],
      [
        { fast: true, callers: [{ from: CALLER, to: CENTRE, appUrl: `${app.url}/voice`, startAtMs: -1 }] },
        /"callers\.0\.startAtMs"/,
      ],
    ];
    for (const [body, message] of cases) {
      const response = await postScenario(body);
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { message: string }).message, message);
    }
    // A caller routed by a number the account does not have: 404 naming it.
    const unrouted = await postScenario({ fast: true, callers: [{ from: CALLER, to: "+15550009999" }] });
    assert.equal(unrouted.status, 404);
    assert.match(((await unrouted.json()) as { message: string }).message, /no number \+15550009999/);
    const after = await harness.belay.store.calls.list(harness.belay.account.accountId, {});
    assert.equal(after.total, calls.total, "no call was placed");
  });
});
