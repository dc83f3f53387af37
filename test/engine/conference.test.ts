import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { WebhookBody } from "../../src/engine/ports.js";
import type { HeardFrame } from "../../src/legs/virtual/virtual-leg.js";
import { validate } from "../helpers/openapi.js";
import { toInt16, whiteNoise } from "../media/signals.js";
import { type Device, type PartyRun, runParty } from "./conference-harness.js";
import { appUrl, EngineHarness, joined, sampleAt } from "./harness.js";

/**
 * Three virtual parties in one conference on simulated time: an inbound caller creates it and
 * dials two devices in (the agent flow), and each party hears exactly the clipped sum of the other
 * two, sample for sample.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

const B = "+15550003333";
const C = "+15550004444";

function noise(ms: number, dbfs: number, seed: number): Int16Array {
  return toInt16(whiteNoise(sampleAt(ms), dbfs, seed));
}

function quiet(ms: number): Int16Array {
  return new Int16Array(sampleAt(ms));
}

/** Absolute times (ms on the clock) each party talks alone, then all together, loud enough to clip. */
const SOLO = { A: 2000, B: 3500, C: 5000 };
const SOLO_MS = 1000;
const TOGETHER = 6500;
const TOGETHER_MS = 1500;
const END = 9000;
const ANSWER = { A: 0, B: 1000, C: 1500 };

/** A party's clip: its solo, silence, then its part of the loud overlap; starts at its solo. */
function voice(party: "A" | "B" | "C", seed: number): Int16Array {
  const gap = TOGETHER - SOLO[party] - SOLO_MS;
  return joined(noise(SOLO_MS, -20, seed), quiet(gap), noise(TOGETHER_MS, -6, seed + 1));
}

const voices = { A: voice("A", 10), B: voice("B", 20), C: voice("C", 30) };

function device(party: "B" | "C"): Device {
  return {
    answers: { kind: "answer", afterMs: ANSWER[party] },
    script: { audio: voices[party], audioAtMs: SOLO[party] - ANSWER[party], hangupAtMs: END - ANSWER[party] },
  };
}

function agentFlow(extra: { playBeep?: string; record?: boolean } = {}) {
  let conferenceId = "";
  const join = () => [{ AddToConference: { conferenceId } }];
  return {
    routes: {
      "/voice": () => [
        {
          CreateConference: {
            actionUrl: appUrl("/created"),
            statusCallbackUrl: appUrl("/conference"),
            playBeep: extra.playBeep ?? "never",
            ...(extra.record ? { record: true } : {}),
          },
        },
      ],
      "/created": (body: WebhookBody) => {
        conferenceId = String(body.conferenceId);
        return [{ OutDial: dial(B, "/dialled-b") }];
      },
      "/dialled-b": () => [{ OutDial: dial(C, "/dialled-c") }],
      "/dialled-c": join,
      "/connect": join,
    },
    conferenceId: () => conferenceId,
  };
}

function dial(destination: string, actionUrl: string) {
  return {
    destination,
    callingNumber: "+15550001111",
    actionUrl: appUrl(actionUrl),
    callConnectUrl: appUrl("/connect"),
    statusCallbackUrl: appUrl("/status"),
  };
}

/** What a party sent, on the clock's sample timeline: its clip at its solo time. */
function sentTimeline(party: "A" | "B" | "C", length: number): Int16Array {
  const out = new Int16Array(length);
  out.set(voices[party].subarray(0, Math.max(0, length - sampleAt(SOLO[party]))), sampleAt(SOLO[party]));
  return out;
}

/** What a party heard, on the clock's sample timeline (silence where nothing was streamed). */
function heardTimeline(frames: HeardFrame[], answeredAt: number, length: number): Int16Array {
  const out = new Int16Array(length);
  for (const { atMs, frame } of frames) {
    const at = sampleAt(answeredAt + atMs);
    if (at + frame.length <= length) out.set(frame, at);
  }
  return out;
}

/** The delay (samples) at which `heard` equals `sent` all through `sent`'s solo, found by search. */
function lagOf(heard: Int16Array, sent: Int16Array, soloMs: number): number {
  const from = sampleAt(soloMs);
  const to = from + sampleAt(SOLO_MS);
  for (let lag = 0; lag <= sampleAt(200); lag++) {
    let equal = true;
    for (let i = from; i < to && equal; i++) equal = heard[i + lag] === sent[i];
    if (equal) return lag;
  }
  assert.fail("the party was never heard alone within 200 ms");
}

function clip(v: number): number {
  return Math.max(-32768, Math.min(32767, v));
}

describe("a conference of three virtual parties", () => {
  let run: PartyRun;
  const length = sampleAt(END + 500);
  const parties = ["A", "B", "C"] as const;
  const heard = {} as Record<(typeof parties)[number], Int16Array>;
  const sent = {} as Record<(typeof parties)[number], Int16Array>;

  before(async () => {
    const flow = agentFlow();
    run = await runParty(h, {
      routes: flow.routes,
      caller: { audio: voices.A, audioAtMs: SOLO.A, hangupAtMs: END },
      devices: { [B]: device("B"), [C]: device("C") },
    });
    const legs = { A: run.caller, B: run.devices.get(B), C: run.devices.get(C) };
    for (const party of parties) {
      const leg = legs[party];
      assert.ok(leg, `party ${party} was reached`);
      assert.equal(leg.answeredAtMs, ANSWER[party], `party ${party} answered when its script says`);
      heard[party] = heardTimeline(leg.heardFrames, leg.answeredAtMs, length);
      sent[party] = sentTimeline(party, length);
    }
  });

  test("each party hears the clipped sum of the other two, sample for sample, and never itself", () => {
    for (const listener of parties) {
      const others = parties.filter((p) => p !== listener);
      const lags = others.map((speaker) => lagOf(heard[listener], sent[speaker], SOLO[speaker]));
      for (const lag of lags) assert.ok(lag <= sampleAt(60), `${listener} hears within 60 ms (lag ${lag})`);
      let clipped = 0;
      for (let i = sampleAt(ANSWER.C + 200); i < sampleAt(END - 100); i++) {
        const sum = others.reduce((s, speaker, k) => s + (sent[speaker][i - (lags[k] as number)] ?? 0), 0);
        if (Math.abs(sum) > 32767) clipped++;
        if (heard[listener][i] !== clip(sum)) {
          assert.fail(`${listener} at sample ${i}: heard ${heard[listener][i]}, expected ${clip(sum)}`);
        }
      }
      assert.ok(clipped > 100, `the loud overlap clips (${clipped} samples)`);
    }
  });

  test("every call ends with its party's hang-up; the conference ends with the last", () => {
    assert.equal(run.outcome.reason, "farEndHangup");
    assert.equal(run.outcomes.size, 3);
    for (const outcome of run.outcomes.values()) assert.equal(outcome.reason, "farEndHangup");
  });

  test("the webhooks: createConference, outDialStart, outDialConnect, conferenceStatus; FreeClimb's shapes", () => {
    const types = run.requests.map((r) => r.body.requestType);
    for (const t of ["createConference", "outDialStart", "outDialConnect", "conferenceStatus"])
      assert.ok(types.includes(t), `${t} was sent`);
    const statuses = run.requests
      .filter((r) => r.body.requestType === "conferenceStatus")
      .map((r) => r.body.status);
    assert.deepEqual(statuses, ["populated", "inProgress", "terminated"]);
    const openapi: Record<string, string> = {
      createConference: "CreateConferenceWebhook",
      conferenceStatus: "ConferenceStatusWebhook",
      outDialStart: "OutDialStartWebhook",
      outDialConnect: "OutDialConnectWebhook",
      callStatus: "CallStatusWebhook",
    };
    for (const { body } of run.requests) {
      const schema = openapi[body.requestType];
      // FreeClimb's CallStatusWebhook forgot `nullable` on conferenceId (test/contract/webhooks.test.ts).
      const known =
        body.requestType === "callStatus" && body.conferenceId === null
          ? ["/conferenceId must be string"]
          : [];
      if (schema) assert.deepEqual(validate(schema, body), known, `${body.requestType} matches ${schema}`);
    }
    const children = run.requests.filter((r) => r.body.requestType === "outDialConnect").map((r) => r.body);
    assert.equal(children.length, 2);
    for (const child of children) {
      assert.equal(child.direction, "outboundDial");
      assert.equal(child.parentCallId, run.callerId);
      assert.equal(child.callStatus, "inProgress");
    }
  });
});

describe("a recorded conference", () => {
  let run: PartyRun;
  const length = sampleAt(END + 500);

  before(async () => {
    const flow = agentFlow({ record: true, playBeep: "always" });
    run = await runParty(h, {
      routes: flow.routes,
      caller: { audio: voices.A, audioAtMs: SOLO.A, hangupAtMs: END },
      devices: { [B]: device("B"), [C]: device("C") },
    });
  });

  test("conferenceRecordingStatus names an ordinary Recording of the whole mix, beeps included", async () => {
    const announced = run.requests.filter((r) => r.body.requestType === "conferenceRecordingStatus");
    assert.equal(announced.length, 1);
    const body = announced[0]?.body as WebhookBody;
    assert.deepEqual(validate("ConferenceRecordingStatusWebhook", body), []);
    const stored = await h.recording(String(body.recordingId));
    assert.equal(stored.row.conferenceId, body.conferenceId);
    assert.equal(stored.row.callId, run.callerId, "filed under the call that created the conference");
    assert.equal(body.recordingSize, String(stored.bytes.length));
    // The recording starts when the conference does (A joined at 0): its sample i is clock sample i.
    const recorded = new Int16Array(length);
    recorded.set(stored.pcm.subarray(0, length));
    const parties = ["A", "B", "C"] as const;
    const sent = Object.fromEntries(parties.map((p) => [p, sentTimeline(p, length)])) as Record<
      (typeof parties)[number],
      Int16Array
    >;
    const lags = parties.map((p) => lagOf(recorded, sent[p], SOLO[p]));
    let clipped = 0;
    for (let i = sampleAt(TOGETHER); i < sampleAt(TOGETHER + TOGETHER_MS); i++) {
      const sum = parties.reduce((s, p, k) => s + (sent[p][i - (lags[k] as number)] ?? 0), 0);
      if (Math.abs(sum) > 32767) clipped++;
      assert.equal(recorded[i], clip(sum), `recording sample ${i}`);
    }
    assert.ok(clipped > 100, "the three loud voices clip in the recording");
    // B's entry beep (880 Hz) is in the recording where B joined, before anyone talks.
    const joinedB = sampleAt(ANSWER.B);
    const beep = recorded.subarray(joinedB, joinedB + sampleAt(200));
    assert.ok(
      beep.some((v) => Math.abs(v) > 3000),
      "the entry beep is recorded",
    );
  });
});
