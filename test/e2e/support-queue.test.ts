import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type SupportQueueApp, startSupportQueueApp } from "../../examples/support-queue/app.js";
import { holdMusicWav } from "../../examples/support-queue/hold-music.js";
import type { ScenarioCallResult } from "../../src/calls/scenario.js";
import { readScenarioFile } from "../../src/cli/scenario-file.js";
import { readWav } from "../../src/media/wav-read.js";
import { REPO_ROOT } from "../cli/run-cli.js";
import { until } from "../helpers/until.js";
import { sine, toInt16, toneAmplitude } from "../media/signals.js";
import {
  authOf,
  openApiErrors,
  pcmToBase64,
  runScenarioRequest,
  startBelay,
  type TestBelay,
} from "./harness.js";

/**
 * The support-queue example against a real Belay over real HTTP, on simulated time: three
 * customers queue, one gives up, and an agent calling in at 20 and 25 minutes is connected to the
 * front caller through a recorded conference, the app dequeuing through the REST API. Twenty-five
 * minutes of holding run in well under a second.
 */

const SUPPORT = "+15550004000";
const AGENT_LINE = "+15550004999";
const MINUTE = 60_000;
const CUSTOMER_HZ = 300;
const AGENT_HZ = 500;

let harness: TestBelay;
let app: SupportQueueApp;

before(async () => {
  harness = await startBelay();
  const { accountId, apiKey } = harness.belay.account;
  app = await startSupportQueueApp({
    port: 0,
    apiUrl: `${harness.belay.publicUrl()}/apiserver`,
    accountId,
    apiKey,
    agentLine: AGENT_LINE,
    holdMusic: holdMusicWav(),
    // 2 s of music and 9 s of pause: an 11 s cycle that never lands on a whole minute, when the
    // agents call, so no waitUrl request shares its instant with a dequeue.
    holdPauseMs: 9000,
    record: true,
  });
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

const voice = (hz: number, seconds: number) => pcmToBase64(toInt16(sine(hz, 8000, seconds, 8000)));

function customer(name: string, startAtMs: number, hangupAtMs: number, speaksAtMs?: number) {
  return {
    name,
    from: `+1555000100${name.length}`,
    to: SUPPORT,
    appUrl: `${app.url}/voice`,
    statusUrl: `${app.url}/status`,
    startAtMs,
    hangupAtMs,
    ...(speaksAtMs ? { voice: { audio: voice(CUSTOMER_HZ, 0.6), atMs: speaksAtMs } } : {}),
  };
}

function agent(name: string, startAtMs: number) {
  return {
    name,
    from: "+15550005001",
    to: AGENT_LINE,
    appUrl: `${app.url}/voice`,
    statusUrl: `${app.url}/status`,
    startAtMs,
    voice: { audio: voice(AGENT_HZ, 0.4), atMs: 1000 },
    hangupAtMs: 8000,
  };
}

/** Customers' calls connect as they queue (Enqueue answers), so their times count from their start. */
const scenario = () => ({
  fast: true,
  callers: [
    customer("alice", 0, 20 * MINUTE + 10_000, 20 * MINUTE + 3000),
    customer("bob", 1 * MINUTE, 5 * MINUTE),
    customer("carol", 2 * MINUTE, 23 * MINUTE + 10_000, 23 * MINUTE + 3000),
    agent("agent-first", 20 * MINUTE),
    agent("agent-second", 25 * MINUTE),
  ],
  devices: [],
});

async function runScenario(body: object = scenario()): Promise<ScenarioCallResult[]> {
  return (await runScenarioRequest(harness.belay, body)).calls;
}

const SCHEMA_FOR: Record<string, string> = {
  inboundCall: "InboundCallWebhook",
  queueWait: "QueueWaitWebhook",
  addToQueueNotification: "AddToQueueNotificationWebhook",
  removeFromQueueNotification: "RemoveFromQueueNotificationWebhook",
  dequeue: "DequeueWebhook",
  createConference: "CreateConferenceWebhook",
  callStatus: "CallStatusWebhook",
  conferenceStatus: "ConferenceStatusWebhook",
  conferenceRecordingStatus: "ConferenceRecordingStatusWebhook",
};

async function recordingPcm(recordingId: string): Promise<Int16Array> {
  const { accountId } = harness.belay.account;
  const response = await fetch(
    `${harness.belay.publicUrl()}/apiserver/Accounts/${accountId}/Recordings/${recordingId}/Download`,
    { headers: { authorization: authOf(harness.belay) } },
  );
  assert.equal(response.status, 200);
  return readWav(new Uint8Array(await response.arrayBuffer())).pcm8k;
}

const amplitude = (pcm: Int16Array, hz: number, fromMs: number, toMs: number) =>
  toneAmplitude(pcm.subarray(fromMs * 8, toMs * 8), hz, 8000);

describe("a support line's queue (examples/support-queue)", () => {
  test("callers wait on simulated time and an agent takes each from the front into a recorded conference", async (t) => {
    const calls = await runScenario();
    const callOf = (name: string) => {
      const found = calls.find((c) => c.call === name);
      assert.ok(found, `no call ${name}`);
      return found;
    };
    const alice = callOf("alice");
    const bob = callOf("bob");
    const carol = callOf("carol");
    const agents = [callOf("agent-first"), callOf("agent-second")];
    assert.deepEqual(
      calls.map((c) => [c.call, c.status, c.reason, c.endedAtMs]),
      [
        ["alice", "completed", "farEndHangup", 20 * MINUTE + 10_000],
        ["bob", "completed", "farEndHangup", 6 * MINUTE],
        ["carol", "completed", "farEndHangup", 25 * MINUTE + 10_000],
        ["agent-first", "completed", "farEndHangup", 20 * MINUTE + 8000],
        ["agent-second", "completed", "farEndHangup", 25 * MINUTE + 8000],
      ],
    );

    // Each call's webhooks, as the app received them (PerCL requests in order; notifications via the outbox).
    await until(
      async () =>
        app.received.filter((h) => h.body.requestType === "callStatus").length === 5 &&
        app.received.filter((h) => h.body.requestType === "conferenceRecordingStatus").length === 2
          ? true
          : undefined,
      10_000,
      "every callStatus and both conference recordings",
    );
    const of = (call: ScenarioCallResult, type: string) =>
      app.received
        .filter((h) => h.body.callId === call.callId && h.body.requestType === type)
        .map((h) => h.body);

    const left = (call: ScenarioCallResult, type: string) => {
      const bodies = of(call, type);
      assert.equal(bodies.length, 1, `${call.call}: one ${type}`);
      const [body] = bodies as [Record<string, unknown>];
      return [body.queueId, body.queueResult, body.queueTime];
    };
    // Dequeued front first, with their time in the queue; bob hung up after 5 minutes on hold.
    assert.deepEqual(left(alice, "dequeue"), [app.queueId, "dequeued", 20 * 60]);
    assert.deepEqual(left(bob, "removeFromQueueNotification"), [app.queueId, "hangup", 5 * 60]);
    assert.deepEqual(left(carol, "dequeue"), [app.queueId, "dequeued", 23 * 60]);
    for (const call of [alice, bob, carol]) {
      assert.equal(of(call, "addToQueueNotification").length, 1, `${call.call} was announced in the queue`);
    }

    // Carol's place moved up as bob left (6 min) and alice was taken (20 min); the hold music
    // cycle asks the waitUrl every 11 s.
    const carolWaits = of(carol, "queueWait").map((b) => [b.queueTime, b.queuePosition, b.currentQueueSize]);
    assert.deepEqual(carolWaits[0], [0, "3", 3]);
    const at = (seconds: number) => carolWaits.find((w) => (w[0] as number) >= seconds);
    assert.deepEqual(at(4 * 60)?.slice(1), ["2", 2], "after bob hung up");
    assert.deepEqual(at(18 * 60)?.slice(1), ["1", 1], "after alice was dequeued");
    assert.deepEqual(
      carolWaits.map((w) => w[0]),
      Array.from({ length: Math.ceil((23 * 60) / 11) }, (_, i) => i * 11),
      "one waitUrl request per 11 s held",
    );

    // The queue's own figures, through the REST API: empty now, the average of 20, 5 and 23 minutes.
    const { accountId } = harness.belay.account;
    const queue = await fetch(
      `${harness.belay.publicUrl()}/apiserver/Accounts/${accountId}/Queues/${app.queueId}`,
      {
        headers: { authorization: authOf(harness.belay) },
      },
    );
    const queueBody = (await queue.json()) as Record<string, unknown>;
    assert.deepEqual([queueBody.currentSize, queueBody.averageQueueRemovalTime], [0, 16 * 60]);
    assert.deepEqual(openApiErrors("QueueResult", queueBody), []);

    // Every webhook the app received is FreeClimb's shape.
    for (const hit of app.received) {
      const schema = SCHEMA_FOR[String(hit.body.requestType)];
      assert.ok(schema, `a webhook of an unexpected type: ${hit.body.requestType}`);
      assert.deepEqual(openApiErrors(schema, hit.body), [], `${hit.body.requestType} ${hit.path}`);
    }

    // Each agent met its customer: a conference recording (from the agent's entry) holds the agent's
    // tone from 1 s and the customer's from 3 s.
    const recordings = app.received.filter((h) => h.body.requestType === "conferenceRecordingStatus");
    for (const [index, agentCall] of agents.entries()) {
      const created = of(agentCall, "createConference")[0];
      const recorded = recordings.find((h) => h.body.conferenceId === created?.conferenceId);
      assert.ok(recorded, `conference ${index + 1} was recorded`);
      const pcm = await recordingPcm(String(recorded.body.recordingId));
      const heard = {
        agent: amplitude(pcm, AGENT_HZ, 1050, 1350),
        customer: amplitude(pcm, CUSTOMER_HZ, 3100, 3500),
        quiet: amplitude(pcm, CUSTOMER_HZ, 1050, 1350) + amplitude(pcm, AGENT_HZ, 3100, 3500),
      };
      t.diagnostic(`conference ${index + 1}: ${JSON.stringify(heard)}`);
      assert.ok(heard.agent > 4000 && heard.customer > 4000 && heard.quiet < 1600, JSON.stringify(heard));
    }
  });

  test("the example's scenario.json runs as its README says", async () => {
    const file = path.join(REPO_ROOT, "examples/support-queue/scenario.json");
    const body = await readScenarioFile(file, true, {
      appUrl: `${app.url}/voice`,
      statusUrl: `${app.url}/status`,
    });
    const calls = await runScenario(body);
    // bob's removeFromQueueNotification and the callStatus webhooks come through the outbox.
    const ended = new Set(calls.map((c) => c.callId));
    await until(
      async () =>
        app.received.filter((h) => h.body.requestType === "callStatus" && ended.has(String(h.body.callId)))
          .length === calls.length
          ? true
          : undefined,
      10_000,
      "every call's callStatus",
    );
    const how = (name: string) => {
      const call = calls.find((c) => c.call === name);
      assert.ok(call, `no call ${name}`);
      const left = app.received.find(
        (h) =>
          h.body.callId === call.callId &&
          (h.body.requestType === "dequeue" || h.body.requestType === "removeFromQueueNotification"),
      );
      return [call.status, call.reason, left?.body.queueResult, left?.body.queueTime];
    };
    assert.deepEqual(how("alice"), ["completed", "farEndHangup", "dequeued", 20 * 60]);
    assert.deepEqual(how("bob"), ["completed", "farEndHangup", "hangup", 5 * 60]);
    assert.deepEqual(how("carol"), ["completed", "farEndHangup", "dequeued", 23 * 60]);
    assert.deepEqual(how("agent-first").slice(0, 2), ["completed", "farEndHangup"]);
    assert.deepEqual(how("agent-second").slice(0, 2), ["completed", "farEndHangup"]);
  });
});
