import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import type { WebhookBody } from "../../src/engine/ports.js";
import { recordingBlobKey, recordingUrl } from "../../src/engine/recorder.js";
import { encodeWav } from "../../src/media/wav-write.js";
import { validate } from "../helpers/openapi.js";
import { toInt16, whiteNoise } from "../media/signals.js";
import { runParty } from "./conference-harness.js";
import { appUrl, EngineHarness, PUBLIC_URL, sampleAt } from "./harness.js";

/**
 * What a participant can do from inside a conference, on simulated time: call control (keys →
 * callControlUrl → SetTalk / RemoveFromConference), DTMF pass-through, and the wait audio heard
 * until the conference starts.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

const AGENT = "+15550007777";
const voice = (seed: number, ms: number) => toInt16(whiteNoise(sampleAt(ms), -20, seed));

function twoParty(
  routes: Record<string, (body: WebhookBody) => unknown>,
  caller: Parameters<typeof runParty>[1]["caller"],
  agent: Parameters<typeof runParty>[1]["devices"][string]["script"],
  options: {
    callerJoin?: Record<string, unknown>;
    agentJoin?: Record<string, unknown>;
    waitUrl?: string;
  } = {},
) {
  let conferenceId = "";
  return runParty(h, {
    routes: {
      "/voice": () => [
        {
          CreateConference: {
            actionUrl: appUrl("/created"),
            playBeep: "never",
            statusCallbackUrl: appUrl("/conference"),
            ...(options.waitUrl ? { waitUrl: options.waitUrl } : {}),
          },
        },
      ],
      "/created": (body) => {
        conferenceId = String(body.conferenceId);
        return [
          {
            OutDial: {
              destination: AGENT,
              callingNumber: "+15550001111",
              actionUrl: appUrl("/caller-joins"),
              callConnectUrl: appUrl("/agent-joins"),
            },
          },
        ];
      },
      "/caller-joins": () => [{ AddToConference: { conferenceId, ...options.callerJoin } }],
      "/agent-joins": () => [{ AddToConference: { conferenceId, ...options.agentJoin } }],
      ...routes,
    },
    caller,
    devices: { [AGENT]: { answers: { kind: "answer", afterMs: 1000 }, script: agent } },
  });
}

/** The samples the agent heard over [fromMs, toMs) of the clock. */
function agentHeard(run: Awaited<ReturnType<typeof runParty>>, fromMs: number, toMs: number): Int16Array {
  const leg = run.devices.get(AGENT);
  assert.ok(leg);
  const out = new Int16Array(sampleAt(toMs - fromMs));
  for (const { atMs, frame } of leg.heardFrames) {
    const at = sampleAt(leg.answeredAtMs + atMs - fromMs);
    if (at >= 0 && at + frame.length <= out.length) out.set(frame, at);
  }
  return out;
}

describe("call control", () => {
  test("keying the sequence asks callControlUrl; its SetTalk false mutes the caller from then on", async () => {
    const run = await twoParty(
      { "/control": () => [{ SetTalk: { talk: false } }] },
      {
        audio: voice(5, 4000),
        audioAtMs: 2000,
        dtmf: [{ keys: "*9", atMs: 3500 }],
        hangupAtMs: 7000,
      },
      { hangupAtMs: 6000 },
      {
        callerJoin: {
          allowCallControl: true,
          callControlSequence: "*9",
          callControlUrl: appUrl("/control"),
          dtmfPassThrough: false,
        },
      },
    );
    const control = run.requests.filter((r) => r.body.requestType === "callControl");
    assert.equal(control.length, 1);
    assert.equal(control[0]?.body.digits, "*9");
    // "9" is pressed at 3700 and delivered with the frame that ends at 3720 (src/legs/virtual).
    assert.equal(control[0]?.atMs, 3720, "asked as soon as the last key of the sequence arrived");
    assert.deepEqual(validate("CallControlWebhook", control[0]?.body), []);
    const before = agentHeard(run, 2100, 3600);
    const afterMute = agentHeard(run, 3800, 5900);
    assert.ok(
      before.some((v) => v !== 0),
      "the agent heard the caller before",
    );
    assert.ok(
      afterMute.every((v) => v === 0),
      "and nothing from the moment SetTalk ran",
    );
    assert.deepEqual(run.devices.get(AGENT)?.heardDigits, [], "dtmfPassThrough false: no keys passed");
  });

  test("RemoveFromConference from callControl: leaveConference continues the caller's call", async () => {
    const run = await twoParty(
      {
        "/control": () => [{ RemoveFromConference: {} }],
        "/left": () => [{ Pause: { length: 500 } }, { Hangup: {} }],
      },
      { dtmf: [{ keys: "#", atMs: 2000 }], hangupAtMs: 9000 },
      { hangupAtMs: 8000 },
      {
        callerJoin: {
          allowCallControl: true,
          callControlSequence: "#",
          callControlUrl: appUrl("/control"),
          leaveConferenceUrl: appUrl("/left"),
        },
      },
    );
    const left = run.requests.find((r) => r.body.requestType === "leaveConference");
    assert.ok(left);
    assert.equal(left.kind, "percl");
    assert.equal(left.atMs, 2020, "at once, when the key arrived");
    assert.deepEqual(validate("LeaveConferenceWebhook", left.body), []);
    assert.equal(run.outcome.reason, "appHangup");
    const statuses = run.requests.filter((r) => r.body.requestType === "conferenceStatus");
    assert.deepEqual(
      statuses.map((r) => r.body.status),
      ["populated", "inProgress", "terminated"],
    );
    assert.equal(statuses[2]?.atMs, 9000, "the conference went on with the agent until it hung up");
  });
});

describe("TerminateConference", () => {
  test("from call control: every participant leaves, each call ends conferenceTerminated", async () => {
    const run = await twoParty(
      { "/control": () => [{ TerminateConference: {} }] },
      { dtmf: [{ keys: "*", atMs: 2500 }], hangupAtMs: 9000 },
      { hangupAtMs: 8000 },
      {
        callerJoin: { allowCallControl: true, callControlSequence: "*", callControlUrl: appUrl("/control") },
      },
    );
    assert.equal(run.outcomes.size, 2);
    for (const outcome of run.outcomes.values()) assert.equal(outcome.reason, "conferenceTerminated");
    const terminated = run.requests.find(
      (r) => r.body.requestType === "conferenceStatus" && r.body.status === "terminated",
    );
    assert.equal(terminated?.atMs, 2520, "when the key arrived");
    assert.equal(terminated?.body.callId, run.callerId, "with the fields of the call that ended it");
    assert.deepEqual(validate("ConferenceStatusWebhook", terminated?.body), []);
  });
});

describe("SetListen and SetDTMFPassThrough from call control", () => {
  test("listen false: the caller hears nothing more, while the agent still hears it", async () => {
    const run = await twoParty(
      {
        "/control": () => [
          { SetListen: { listen: false } },
          { SetDTMFPassThrough: { dtmfPassThrough: false } },
        ],
      },
      {
        audio: voice(8, 1000),
        audioAtMs: 4500,
        dtmf: [
          { keys: "0", atMs: 3000 },
          { keys: "1", atMs: 5800 },
        ],
        hangupAtMs: 7000,
      },
      { audio: voice(9, 4000), audioAtMs: 1000, hangupAtMs: 6000 },
      {
        callerJoin: { allowCallControl: true, callControlSequence: "0", callControlUrl: appUrl("/control") },
      },
    );
    const heard = new Int16Array(sampleAt(7000));
    for (const { atMs, frame } of run.caller.heardFrames) {
      const at = sampleAt(run.caller.answeredAtMs + atMs);
      if (at + frame.length <= heard.length) heard.set(frame, at);
    }
    assert.ok(
      heard.subarray(sampleAt(2100), sampleAt(2900)).some((v) => v !== 0),
      "the caller heard the agent",
    );
    assert.ok(
      heard.subarray(sampleAt(3100), sampleAt(6900)).every((v) => v === 0),
      "then nothing",
    );
    assert.ok(
      agentHeard(run, 4600, 5400).some((v) => v !== 0),
      "the agent still hears the caller",
    );
    // "0" passed through before the change; "1", pressed after SetDTMFPassThrough false, did not.
    assert.deepEqual(
      run.devices.get(AGENT)?.heardDigits.map((d) => d.digits),
      ["0"],
    );
  });
});

describe("DTMF pass-through", () => {
  test("keys one participant presses are played to the other (dtmfPassThrough, the default)", async () => {
    const run = await twoParty(
      {},
      { dtmf: [{ keys: "5", atMs: 2000 }], hangupAtMs: 5000 },
      { hangupAtMs: 4000 },
    );
    const heard = run.devices.get(AGENT)?.heardDigits ?? [];
    assert.deepEqual(
      heard.map((d) => d.digits),
      ["5"],
    );
  });
});

describe("wait audio", () => {
  test("until someone who starts the conference is in, participants hear waitUrl, looped", async () => {
    const music = voice(77, 300);
    // An earlier call's recording: Belay resolves its URL internally, as Play does.
    const earlierCall = newId("CA");
    await h.store.calls.create({
      callId: earlierCall,
      accountId: h.accountId,
      parentCallId: null,
      applicationId: null,
      phoneNumberId: null,
      from: "+15550001111",
      to: "+15550002222",
      direction: "inbound",
      status: "completed",
      callEndedReason: "appHangup",
      startTime: 0,
      connectTime: 0,
      endTime: 1000,
    });
    const recordingId = newId("RE");
    const blobKey = recordingBlobKey(h.accountId, recordingId);
    const writer = await h.blobs.create(blobKey);
    const wav = encodeWav(music);
    await writer.write(wav);
    await writer.finish();
    await h.store.recordings.create({
      recordingId,
      accountId: h.accountId,
      callId: earlierCall,
      conferenceId: null,
      blobKey,
      sizeBytes: wav.length,
      durationMs: 300,
      privacyMode: false,
      deleteAt: null,
    });
    // The agent joins first and waits (startConfOnEnter false); the caller's joining starts it.
    const run = await twoParty(
      {},
      { hangupAtMs: 6000 },
      { hangupAtMs: 5000 },
      {
        waitUrl: recordingUrl(PUBLIC_URL, h.accountId, recordingId),
        agentJoin: { startConfOnEnter: false },
        callerJoin: { startConfOnEnter: false },
      },
    );
    const waited = agentHeard(run, 1100, 3000);
    // Somewhere in it the music plays whole, twice running (looped), sample for sample.
    const start = waited.findIndex((_, i) => music.every((v, k) => waited[i + k] === v));
    assert.ok(start >= 0, "the wait audio is heard");
    assert.ok(
      music.every((v, k) => waited[start + music.length + k] === v),
      "and loops without a gap",
    );
    const statuses = run.requests
      .filter((r) => r.body.requestType === "conferenceStatus")
      .map((r) => r.body.status);
    assert.deepEqual(statuses, ["populated", "terminated"], "nobody started it");
  });
});
