import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { WebhookBody } from "../../src/engine/ports.js";
import { validate } from "../helpers/openapi.js";
import { toInt16, whiteNoise } from "../media/signals.js";
import { runParty } from "./conference-harness.js";
import { appUrl, EngineHarness, sampleAt } from "./harness.js";

/**
 * StartRecordCall on a caller who then talks with an agent through a conference: the recording
 * holds both voices at the right times, mixed, or on two channels with tracks "separate".
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

const AGENT = "+15550006666";
const A_SOLO = 2000;
const B_SOLO = 3500;
const SOLO_MS = 1000;
const B_ANSWER = 1000;
const END = 6000;

const voiceA = toInt16(whiteNoise(sampleAt(SOLO_MS), -20, 41));
const voiceB = toInt16(whiteNoise(sampleAt(SOLO_MS), -20, 42));

async function recordedCall(tracks?: "separate") {
  let conferenceId = "";
  const run = await runParty(h, {
    routes: {
      "/voice": () => [
        { StartRecordCall: tracks ? { tracks } : {} },
        { CreateConference: { actionUrl: appUrl("/created"), playBeep: "never" } },
      ],
      "/created": (body: WebhookBody) => {
        conferenceId = String(body.conferenceId);
        return [
          {
            OutDial: {
              destination: AGENT,
              callingNumber: "+15550001111",
              actionUrl: appUrl("/join"),
              callConnectUrl: appUrl("/join"),
            },
          },
        ];
      },
      "/join": () => [{ AddToConference: { conferenceId } }],
    },
    caller: { audio: voiceA, audioAtMs: A_SOLO, hangupAtMs: END },
    devices: {
      [AGENT]: {
        answers: { kind: "answer", afterMs: B_ANSWER },
        script: { audio: voiceB, audioAtMs: B_SOLO - B_ANSWER, hangupAtMs: END - B_ANSWER },
      },
    },
  });
  const status = run.requests.find((r) => r.url === appUrl("/status") && r.body.callId === run.callerId);
  assert.ok(status, "the caller's callStatus was sent");
  return { run, status: status.body };
}

/** The clock's sample timeline of a clip played at `atMs`. */
function placed(clip: Int16Array, atMs: number, length: number): Int16Array {
  const out = new Int16Array(length);
  out.set(clip.subarray(0, Math.max(0, length - sampleAt(atMs))), sampleAt(atMs));
  return out;
}

function lagOf(track: Int16Array, clip: Int16Array, atMs: number): number {
  const from = sampleAt(atMs);
  for (let lag = 0; lag <= sampleAt(100); lag++) {
    let equal = true;
    for (let i = 0; i < clip.length && equal; i++) equal = track[from + lag + i] === clip[i];
    if (equal) return lag;
  }
  assert.fail("the voice is not in the recording within 100 ms of when it was spoken");
}

describe("StartRecordCall", () => {
  test("mixed: the caller's voice when it spoke, the agent's as the caller heard it", async () => {
    const { status } = await recordedCall();
    assert.deepEqual(
      validate("CallStatusWebhook", status).filter((e) => e !== "/conferenceId must be string"),
      [],
    );
    assert.equal(status.recordingFormat, "audio/wav");
    const stored = await h.recording(String(status.recordingId));
    assert.equal(status.recordingSize, String(stored.bytes.length));
    assert.equal(status.recordingDurationSec, Math.ceil(stored.row.durationMs / 1000));
    assert.ok(stored.row.durationMs >= END - 40, `the whole call (${stored.row.durationMs} ms)`);
    // The caller answered at 0 and StartRecordCall ran then: recording sample i is clock sample i.
    assert.equal(lagOf(stored.pcm, voiceA, A_SOLO), 0, "what the caller said is recorded as it arrived");
    const lagB = lagOf(stored.pcm, voiceB, B_SOLO);
    assert.ok(lagB > 0 && lagB <= sampleAt(60), `the agent heard through the conference (lag ${lagB})`);
    const silentBetween = stored.pcm.subarray(sampleAt(A_SOLO + SOLO_MS + 100), sampleAt(B_SOLO));
    assert.ok(
      silentBetween.every((v) => v === 0),
      "nothing else is in it",
    );
  });

  test('tracks "separate": left is what the caller said, right what it heard, sample for sample', async () => {
    const { status } = await recordedCall("separate");
    const stored = await h.recording(String(status.recordingId));
    const view = new DataView(stored.bytes.buffer, stored.bytes.byteOffset);
    assert.equal(view.getUint16(22, true), 2, "two channels");
    const frames = (stored.bytes.length - 44) / 4;
    const left = new Int16Array(frames);
    const right = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      left[i] = view.getInt16(44 + 4 * i, true);
      right[i] = view.getInt16(46 + 4 * i, true);
    }
    assert.deepEqual(left, placed(voiceA, A_SOLO, frames), "left: the caller's own frames, exactly");
    const lagB = lagOf(right, voiceB, B_SOLO);
    assert.deepEqual(right, placed(voiceB, B_SOLO + lagB / 8, frames), "right: only the agent, as heard");
  });
});
