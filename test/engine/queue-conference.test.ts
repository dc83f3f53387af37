import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import type { Engine } from "../../src/engine/engine.js";
import type { WebhookBody } from "../../src/engine/ports.js";
import type { HeardFrame } from "../../src/legs/virtual/virtual-leg.js";
import { toInt16, whiteNoise } from "../media/signals.js";
import { appUrl, EngineHarness, joined, sampleAt } from "./harness.js";
import { assertEmittedValid, type QueueRun, Roster, requestsOf, runCallers } from "./queue-harness.js";

/**
 * The support line: a caller waits in a queue; an agent calls in, creates a recorded conference
 * and, from its actionUrl, dequeues the front caller (what the app's POST to the queue's Front
 * member does); the dequeued caller's actionUrl adds it to the conference. Both hear each other,
 * sample for sample, and the conference's recording holds both voices.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

const AGENT_CALLS_AT = 40_000;
/** Absolute times (ms on the clock) each party talks alone, for a second. */
const TALKS = { caller: 45_000, agent: 47_000 };
const TALK_MS = 1000;

function noise(seed: number): Int16Array {
  return toInt16(whiteNoise(sampleAt(TALK_MS), -20, seed));
}

const voices = { caller: noise(41), agent: noise(42) };

/** What a party heard, on the clock's sample timeline (silence where nothing was streamed). */
function heardTimeline(frames: HeardFrame[], answeredAt: number, length: number): Int16Array {
  const out = new Int16Array(length);
  for (const { atMs, frame } of frames) {
    const at = sampleAt(answeredAt + atMs);
    if (at + frame.length <= length) out.set(frame, at);
  }
  return out;
}

/** Where `voice` appears in `audio`, sample for sample, within 300 ms of `nearMs`; fails if nowhere. */
function foundAt(audio: Int16Array, voice: Int16Array, nearMs: number): number {
  const from = Math.max(0, sampleAt(nearMs - 300));
  for (let at = from; at <= sampleAt(nearMs + 300); at++) {
    let equal = true;
    for (let i = 0; i < voice.length && equal; i++) equal = audio[at + i] === voice[i];
    if (equal) return at;
  }
  assert.fail(`the voice is not there within 300 ms of ${nearMs} ms`);
}

describe("a queued caller connected to an agent through a recorded conference", () => {
  const queueId = newId("QU");
  const roster = new Roster(["caller", "agent"] as const);
  let run: QueueRun<"caller" | "agent">;
  let conferenceId = "";
  let engine: Engine | undefined;

  before(async () => {
    run = await runCallers(h, roster, {
      routes: {
        "/voice": () => [{ Enqueue: { queueId, waitUrl: appUrl("/wait"), actionUrl: appUrl("/dequeued") } }],
        "/wait": () => [{ Pause: { length: 15_000 } }],
        "/agent": () => [
          {
            CreateConference: {
              actionUrl: appUrl("/created"),
              statusCallbackUrl: appUrl("/conference"),
              record: true,
              playBeep: "never",
            },
          },
        ],
        "/created": (body: WebhookBody) => {
          conferenceId = String(body.conferenceId);
          const front = engine?.queues.dequeue(h.accountId, queueId);
          assert.equal(front?.callId, roster.id("caller"), "the agent takes the front caller");
          return [{ AddToConference: { conferenceId } }];
        },
        "/dequeued": () => [{ AddToConference: { conferenceId } }],
      },
      callers: {
        caller: {
          startAtMs: 0,
          script: {
            audio: joined(new Int16Array(sampleAt(TALKS.caller)), voices.caller),
            hangupAtMs: 51_000,
          },
        },
        agent: {
          startAtMs: AGENT_CALLS_AT,
          voicePath: "/agent",
          script: {
            audio: voices.agent,
            audioAtMs: TALKS.agent - AGENT_CALLS_AT,
            hangupAtMs: 50_000 - AGENT_CALLS_AT,
          },
        },
      },
      setup: (started) => {
        engine = started;
      },
    });
  });

  test("the caller waited, was dequeued for the agent, and joined the agent's conference", () => {
    const kinds = requestsOf(run, roster, "caller")
      .map((r) => r.body.requestType)
      // The conference's own notifications name the call that caused them: left aside here.
      .filter((k) => !k.startsWith("conference"))
      .filter((k, i, all) => k !== all[i - 1]);
    assert.deepEqual(kinds, ["inboundCall", "queueWait", "dequeue", "callStatus"]);
    const dequeued = requestsOf(run, roster, "caller").find((r) => r.body.requestType === "dequeue");
    assert.equal(dequeued?.atMs, AGENT_CALLS_AT);
    assert.deepEqual([dequeued?.body.queueTime, dequeued?.body.queueId], [40, queueId]);
    assert.deepEqual(
      run.timelines.caller
        .filter((e) => e.type === "queue" || e.type === "conference")
        .map((e) => `${e.type} ${e.event}`),
      ["queue joined", "queue left", "conference joined", "conference left"],
    );
    assert.equal(run.outcomes.caller.reason, "farEndHangup");
    assert.equal(run.outcomes.agent.reason, "farEndHangup");
  });

  test("each hears the other, sample for sample", () => {
    const length = sampleAt(52_000);
    const heardByAgent = heardTimeline(run.legs.agent.heardFrames, run.legs.agent.answeredAtMs, length);
    const heardByCaller = heardTimeline(run.legs.caller.heardFrames, run.legs.caller.answeredAtMs, length);
    assert.equal(run.legs.agent.answeredAtMs, AGENT_CALLS_AT);
    foundAt(heardByAgent, voices.caller, TALKS.caller);
    foundAt(heardByCaller, voices.agent, TALKS.agent);
    // Nobody hears themselves: the caller's own voice is not in what it heard.
    const own = heardByCaller.subarray(sampleAt(TALKS.caller), sampleAt(TALKS.caller + TALK_MS + 100));
    assert.ok(
      own.every((v) => v === 0),
      "the caller hears silence while it talks alone",
    );
  });

  test("the conference's recording holds both voices", async () => {
    const announced = run.requests.filter((r) => r.body.requestType === "conferenceRecordingStatus");
    assert.equal(announced.length, 1);
    const body = announced[0]?.body as WebhookBody;
    assert.equal(body.conferenceId, conferenceId);
    const stored = await h.recording(String(body.recordingId));
    assert.equal(stored.row.conferenceId, conferenceId);
    // The recording starts with the conference, when the agent called.
    const callerAt = foundAt(stored.pcm, voices.caller, TALKS.caller - AGENT_CALLS_AT);
    const agentAt = foundAt(stored.pcm, voices.agent, TALKS.agent - AGENT_CALLS_AT);
    assert.equal(agentAt - callerAt, sampleAt(TALKS.agent - TALKS.caller), "both on one timeline");
  });

  test("every body is a valid Belay webhook and matches FreeClimb's OpenAPI", () => {
    assertEmittedValid(run.requests);
  });
});
