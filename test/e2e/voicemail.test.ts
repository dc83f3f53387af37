import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import freeclimbSDK from "@freeclimb/sdk";
import { type ReceivedWebhook, startVoicemailApp, type VoicemailApp } from "../../examples/voicemail/app.js";
import { isId } from "../../src/contract/ids.js";
import type { TimelineEvent } from "../../src/engine/timeline.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import { beep } from "../../src/media/tones.js";
import { loadSpeechEngine, type SpeechEngine } from "../../src/media/tts.js";
import { readWav } from "../../src/media/wav-read.js";
import { buildWav, encodeSamples } from "../media/wav-builder.js";
import {
  authOf,
  eventOf,
  FROM,
  openApiErrors,
  pcmToBase64,
  placeVirtualCall,
  sortedCompactJson,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TO,
} from "./harness.js";

/**
 * The voicemail example against a real Belay over real HTTP: the caller speaks a message after the
 * beep and presses #, and everything the app and the REST API see is checked against docs/contract.md,
 * FreeClimb's OpenAPI and FreeClimb's own SDK, down to every recorded sample.
 */

const GREETING = "Please leave a message after the beep.";
const SHORT_GREETING = "Leave a message.";
const MESSAGE = "Hello, this is Alex calling about the delivery. Please call me back this afternoon.";

const RECORD_WEBHOOK_FIELDS = [
  "accountId",
  "callId",
  "callStatus",
  "conferenceId",
  "direction",
  "from",
  "parentCallId",
  "privacyMode",
  "queueId",
  "recordingDurationSec",
  "recordingFormat",
  "recordingId",
  "recordingSize",
  "recordingUrl",
  "requestType",
  "termReason",
  "to",
];

const sdk = freeclimbSDK("", "") as unknown as {
  utils: { verifyRequest(body: string, header: string, secret: string): void };
};

let harness: TestBelay;
let app: VoicemailApp;
let speech: SpeechEngine;
/** The message as Belay must receive it: the 16 kHz stereo WAV converted by readWav. */
let message8k: Int16Array;
let messageBase64: string;

/** What the caller hears before recording starts: the greeting, then the beep, each whole frames. */
async function recordingOffsetMs(greeting: string): Promise<number> {
  const frames = (samples: number) => Math.ceil(samples / FRAME_SAMPLES) * FRAME_MS;
  return frames((await speech.synthesize(greeting)).length) + frames(beep().length);
}

/** 8 kHz speech → a 16 kHz stereo 16-bit WAV (linear interpolation; the right channel quieter). */
function speechAsStereo16k(pcm8k: Int16Array): Uint8Array {
  const left = new Float64Array(pcm8k.length * 2);
  for (let i = 0; i < pcm8k.length; i++) {
    const a = (pcm8k[i] as number) / 32768;
    const b = (pcm8k[Math.min(i + 1, pcm8k.length - 1)] as number) / 32768;
    left[2 * i] = a;
    left[2 * i + 1] = (a + b) / 2;
  }
  const right = left.map((v) => v * 0.7);
  return buildWav({
    formatTag: 1,
    channels: 2,
    sampleRate: 16_000,
    bitsPerSample: 16,
    data: encodeSamples([left, right], "s16"),
  });
}

/** Samples the recording must hold: the frames from recording start to the finish key's frame. */
function expectedRecording(
  events: TimelineEvent[],
  audio: Int16Array,
  audioAtMs: number,
  finishKeyAtMs: number,
): Int16Array {
  const answeredAt = eventOf(events, "status", (e) => e.status === "inProgress").at;
  const startedAt = eventOf(events, "recordingStarted").at;
  // Frame k covers [20k, 20k+20) ms after answer; the first frame less than half of which came
  // before recording started is the first recorded; the finish key's frame is not recorded.
  const firstFrame = Math.ceil((startedAt - answeredAt - FRAME_MS / 2) / FRAME_MS);
  const endFrame = Math.floor(finishKeyAtMs / FRAME_MS);
  const out = new Int16Array((endFrame - firstFrame) * FRAME_SAMPLES);
  const shift = firstFrame * FRAME_SAMPLES - (audioAtMs * FRAME_SAMPLES) / FRAME_MS;
  for (let i = 0; i < out.length; i++) out[i] = audio[i + shift] ?? 0;
  return out;
}

function assertSameSamples(actual: Int16Array, expected: Int16Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: sample count`);
  const first = actual.findIndex((v, i) => v !== expected[i]);
  assert.equal(first, -1, `${what}: sample ${first} is ${actual[first]}, expected ${expected[first]}`);
}

/** What an event is, without its time: the two runs must tell the same story. */
function shapeOf(event: TimelineEvent): string {
  switch (event.type) {
    case "started":
      return "started";
    case "webhook":
      return `webhook ${event.requestType} ${event.ok}`;
    case "command":
      return `command ${event.index} ${event.name}`;
    case "status":
      return `status ${event.status}`;
    case "recording":
      return `recording ${event.termReason}`;
    default:
      return JSON.stringify({ ...event, at: undefined, recordingId: undefined, recordingUrl: undefined });
  }
}

/**
 * The real-time timeline matches the simulated one event for event. Times count from the answer
 * (events before it keep their order only: ringing lasts as long as the app and the first Say's
 * synthesis take, in both runs). After the answer each event may be up to one 20 ms frame off
 * (timers fire late, and a command that starts a few ms late still owns its frame), plus the
 * real time of the steps that take no time on the simulated clock, measured on the real run: the
 * gap between two events that are simultaneous on the simulated clock (a PerCL webhook's round
 * trip, the recording made durable before its webhook, the synthesis of a Say that opens a
 * script returned mid-call). A Say that waits for its synthesis anywhere else fails it.
 */
function assertSameTimeline(real: TimelineEvent[], fast: TimelineEvent[]): void {
  assert.deepEqual(real.map(shapeOf), fast.map(shapeOf), "the same events in the same order");
  const at = (events: TimelineEvent[], i: number) => (events[i] as TimelineEvent).at;
  const answer = real.findIndex((e) => e.type === "status" && e.status === "inProgress");
  let offClock = 0;
  for (let i = answer + 1; i < real.length; i++) {
    if (at(fast, i) === at(fast, i - 1)) offClock += at(real, i) - at(real, i - 1);
    const drift = at(real, i) - at(real, answer) - (at(fast, i) - at(fast, answer));
    assert.ok(
      drift >= -FRAME_MS && drift <= FRAME_MS + offClock,
      `event ${i} (${shapeOf(real[i] as TimelineEvent)}) is ${drift} ms off in real time; allowed ` +
        `-${FRAME_MS}..${FRAME_MS + offClock}\nreal ${JSON.stringify(real.map((e) => e.at))}` +
        `\nfast ${JSON.stringify(fast.map((e) => e.at))}`,
    );
  }
}

/**
 * The same recording, give or take its first frame: in real time the recording may start one
 * frame earlier or later than on the simulated clock (a command a few ms late), never elsewhere.
 */
function assertAlignedWithinFrame(actual: Int16Array, expected: Int16Array, what: string): void {
  for (let shift = -FRAME_SAMPLES; shift <= FRAME_SAMPLES; shift += FRAME_SAMPLES) {
    // actual[i] is expected[i + shift]; the overlap must be all but one frame of each.
    const from = Math.max(0, -shift);
    const to = Math.min(actual.length, expected.length - shift);
    if (to - from < Math.max(actual.length, expected.length) - FRAME_SAMPLES) continue;
    let same = true;
    for (let i = from; i < to && same; i++) same = actual[i] === expected[i + shift];
    if (same) return;
  }
  assert.fail(`${what}: no alignment within one frame (${actual.length} vs ${expected.length} samples)`);
}

async function download(url: string): Promise<{ bytes: Uint8Array; contentType: string | null }> {
  const response = await fetch(url, { headers: { authorization: authOf(harness.belay) } });
  assert.equal(response.status, 200, `GET ${url}`);
  return {
    bytes: new Uint8Array(await response.arrayBuffer()),
    contentType: response.headers.get("content-type"),
  };
}

async function getJson(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${harness.belay.publicUrl()}/apiserver${path}`, {
    headers: { authorization: authOf(harness.belay) },
  });
  assert.equal(response.status, 200, `GET ${path}`);
  return (await response.json()) as Record<string, unknown>;
}

before(async () => {
  const engine = await loadSpeechEngine();
  assert.ok(engine, "these tests speak: the optional dependency espeak-ng must be installed");
  speech = engine;
  const wav = speechAsStereo16k(await speech.synthesize(MESSAGE));
  const decoded = readWav(wav);
  assert.deepEqual([decoded.sampleRate, decoded.channels], [16_000, 2]);
  message8k = decoded.pcm8k;
  messageBase64 = pcmToBase64(message8k);
  harness = await startBelay();
  app = await startVoicemailApp({
    port: 0,
    signingSecret: harness.belay.account.signingSecret,
    greeting: GREETING,
  });
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

describe("a voicemail left through the real HTTP API", () => {
  let events: TimelineEvent[];
  let record: ReceivedWebhook;
  let audioAtMs: number;
  let finishKeyAtMs: number;

  before(async () => {
    audioAtMs = await recordingOffsetMs(GREETING);
    finishKeyAtMs = audioAtMs + 4000;
    const run = await placeVirtualCall(harness.belay, {
      appUrl: `${app.url}/voice`,
      statusUrl: `${app.url}/status`,
      from: FROM,
      to: TO,
      audio: messageBase64,
      audioAtMs,
      dtmf: [{ keys: "#", atMs: finishKeyAtMs }],
      fast: true,
    });
    events = run.events;
    assert.deepEqual(run.result, {
      type: "result",
      callId: run.result.callId,
      status: "completed",
      reason: "appHangup",
    });
    const found = app.received.find((r) => r.path === "/recorded");
    assert.ok(found, "the app received the record webhook");
    record = found;
  });

  test("recording starts right after the greeting and the beep", () => {
    const answeredAt = eventOf(events, "status", (e) => e.status === "inProgress").at;
    assert.equal(eventOf(events, "recordingStarted").at - answeredAt, audioAtMs);
  });

  test("the record webhook has every field, with docs/contract.md's names and JSON types", () => {
    const { body } = record;
    assert.deepEqual(Object.keys(body).sort(), RECORD_WEBHOOK_FIELDS);
    const callId = eventOf(events, "started").callId;
    const recordingId = body.recordingId as string;
    assert.ok(isId(recordingId, "RE"), `recordingId ${recordingId}`);
    const samples = expectedRecording(events, message8k, audioAtMs, finishKeyAtMs).length;
    assert.deepEqual(
      { ...body, recordingSize: typeof body.recordingSize },
      {
        requestType: "record",
        accountId: harness.belay.account.accountId,
        callId,
        from: FROM,
        to: TO,
        callStatus: "inProgress",
        direction: "inbound",
        conferenceId: null,
        queueId: null,
        parentCallId: null,
        recordingId,
        recordingUrl: `${harness.belay.publicUrl()}/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${recordingId}/Download`,
        recordingSize: "string",
        recordingFormat: "audio/wav",
        recordingDurationSec: Math.ceil(samples / 8000),
        termReason: "finishKey",
        privacyMode: false,
      },
    );
    assert.match(body.recordingSize as string, /^[1-9]\d*$/);
  });

  test("the body is compact, sorted JSON; FreeClimb's SDK verifies the signature; OpenAPI accepts it", () => {
    assert.equal(record.rawBody, sortedCompactJson(record.body));
    assert.equal(record.verified, true, "the app verified it with utils.verifyRequest");
    assert.ok(record.signature);
    sdk.utils.verifyRequest(record.rawBody, record.signature, harness.belay.account.signingSecret);
    assert.throws(() =>
      sdk.utils.verifyRequest(
        `${record.rawBody} `,
        record.signature as string,
        harness.belay.account.signingSecret,
      ),
    );
    assert.deepEqual(openApiErrors("RecordWebhook", record.body), []);
  });

  test("recordingUrl downloads the WAV: its size is recordingSize, its samples are what the caller said", async () => {
    const { bytes, contentType } = await download(record.body.recordingUrl as string);
    assert.equal(contentType, "audio/wav");
    assert.equal(String(bytes.length), record.body.recordingSize);
    const wav = readWav(bytes);
    assert.deepEqual([wav.sampleRate, wav.channels, wav.bitsPerSample], [8000, 1, 16]);
    const expected = expectedRecording(events, message8k, audioAtMs, finishKeyAtMs);
    assert.equal(
      expected.length,
      (finishKeyAtMs - audioAtMs) * 8,
      "the caller spoke from the first recorded frame",
    );
    assertSameSamples(wav.pcm8k, expected, "recording");
    assert.equal(record.body.recordingDurationSec, Math.ceil(wav.pcm8k.length / 8000));
  });

  test("the callStatus webhook reaches /status with callEndedReason appHangup", async () => {
    await harness.belay.app.drainOutbox();
    const statuses = app.received.filter((r) => r.path === "/status");
    assert.equal(statuses.length, 1);
    const [status] = statuses as [ReceivedWebhook];
    assert.equal(status.verified, true);
    assert.equal(status.rawBody, sortedCompactJson(status.body));
    assert.deepEqual(
      [status.body.requestType, status.body.callEndedReason, status.body.callStatus, status.body.callId],
      ["callStatus", "appHangup", "completed", record.body.callId],
    );
    assert.deepEqual(openApiErrors("CallStatusWebhook", status.body), []);
    assert.deepEqual(
      app.received.map((r) => r.path),
      ["/voice", "/recorded", "/status"],
    );
  });

  test("the REST API lists the recording and the call, valid against FreeClimb's OpenAPI", async () => {
    const { accountId } = harness.belay.account;
    const recordings = await getJson(`/Accounts/${accountId}/Recordings`);
    assert.deepEqual(openApiErrors("RecordingList", recordings), []);
    const listed = (recordings.recordings as Array<Record<string, unknown>>).find(
      (r) => r.recordingId === record.body.recordingId,
    );
    assert.ok(listed, "the recording is listed");
    assert.deepEqual(
      [listed.callId, listed.accountId, listed.durationSec, listed.conferenceId],
      [record.body.callId, accountId, record.body.recordingDurationSec, null],
    );
    assert.equal(listed.uri, `/Accounts/${accountId}/Recordings/${record.body.recordingId}`);

    const calls = await getJson(`/Accounts/${accountId}/Calls`);
    assert.deepEqual(openApiErrors("CallList", calls), []);
    const call = (calls.calls as Array<Record<string, unknown>>).find((c) => c.callId === record.body.callId);
    assert.ok(call, "the call is listed");
    assert.deepEqual([call.status, call.direction, call.from, call.to], ["completed", "inbound", FROM, TO]);
    const one = await getJson(`/Accounts/${accountId}/Calls/${record.body.callId}`);
    assert.deepEqual(openApiErrors("CallResult", one), []);
    assert.deepEqual(one, call);
  });
});

describe("--fast and real time", () => {
  test("the same script stores the same audio on the simulated clock and in real time", async () => {
    const short = await startVoicemailApp({
      port: 0,
      signingSecret: harness.belay.account.signingSecret,
      greeting: SHORT_GREETING,
    });
    try {
      const audioAtMs = await recordingOffsetMs(SHORT_GREETING);
      const finishKeyAtMs = audioAtMs + 3000;
      const script = {
        appUrl: `${short.url}/voice`,
        statusUrl: `${short.url}/status`,
        from: FROM,
        to: TO,
        audio: pcmToBase64(message8k.subarray(0, 2 * 8000)),
        audioAtMs,
        dtmf: [{ keys: "#", atMs: finishKeyAtMs }],
        // Hanging up during "Thank you" keeps the real-time run short.
        hangupAtMs: finishKeyAtMs + 100,
      };
      const stored: Int16Array[] = [];
      for (const fast of [true, false]) {
        const run = await placeVirtualCall(harness.belay, { ...script, fast });
        assert.equal(run.result.reason, "farEndHangup", `fast: ${fast}`);
        const recording = eventOf(run.events, "recording");
        assert.equal(recording.termReason, "finishKey");
        assert.ok(recording.recordingUrl);
        stored.push(readWav((await download(recording.recordingUrl)).bytes).pcm8k);
      }
      const [fastAudio, realAudio] = stored as [Int16Array, Int16Array];
      assert.ok(fastAudio.length >= 2 * 8000, "the 2 s message was recorded");
      assertSameSamples(realAudio, fastAudio, "real-time recording vs --fast recording");
    } finally {
      await short.close();
    }
  });

  test("the same call keeps the same timeline in real time as on the simulated clock", async () => {
    // Texts nothing else in this process speaks, and the real-time run goes first: its Says are
    // synthesised while it runs (the speech cache is cold), as on a server's first call.
    const app = await startScriptedApp({
      "/voice": (_hit, base) => ({
        body: [
          { Say: { text: "Thank you for calling the timing desk." } },
          { Say: { text: "Speak after the tone." } },
          { RecordUtterance: { actionUrl: `${base}/recorded`, finishOnKey: "#", playBeep: true } },
        ],
      }),
      "/recorded": () => ({
        body: [
          { Say: { text: "Noted." } },
          { Pause: { length: 300 } },
          { Say: { text: "Goodbye now." } },
          { Hangup: {} },
        ],
      }),
    });
    try {
      const script = {
        appUrl: `${app.url}/voice`,
        statusUrl: `${app.url}/status`,
        from: FROM,
        to: TO,
        audio: messageBase64,
        audioAtMs: 0,
        dtmf: [{ keys: "#", atMs: 5500 }],
      };
      const runs: Array<{ events: TimelineEvent[]; audio: Int16Array }> = [];
      for (const fast of [false, true]) {
        const run = await placeVirtualCall(harness.belay, { ...script, fast });
        assert.equal(run.result.reason, "appHangup", `fast: ${fast}`);
        const { recordingUrl } = eventOf(run.events, "recording");
        const audio = recordingUrl ? readWav((await download(recordingUrl)).bytes).pcm8k : new Int16Array(0);
        runs.push({ events: run.events, audio });
      }
      const [real, fast] = runs as [(typeof runs)[0], (typeof runs)[0]];
      assertSameTimeline(real.events, fast.events);
      assert.equal(eventOf(fast.events, "recording").termReason, "finishKey");
      assert.ok(fast.audio.length > 8000, "the caller was recorded");
      assertAlignedWithinFrame(real.audio, fast.audio, "real-time recording vs --fast recording");
    } finally {
      await app.close();
    }
  });
});
