import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { DEFAULTS } from "../../src/contract/defaults.js";
import type { WebhookBody } from "../../src/engine/ports.js";
import type { CallerScript } from "../../src/legs/virtual/script.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import { beep } from "../../src/media/tones.js";
import { WAV_HEADER_BYTES } from "../../src/media/wav-write.js";
import { PrivacySweeper } from "../../src/server/privacy-sweeper.js";
import type { BlobStore } from "../../src/store/blob-store.js";
import { RealClock } from "../../src/time/clock.js";
import {
  appUrl,
  type CallRun,
  callerStream,
  EngineHarness,
  eventsOf,
  hiss,
  joined,
  onlyRequest,
  PUBLIC_URL,
  type StoredRecording,
  sampleAt,
  speechPerFrame,
  talking,
  voicedPerFrame,
} from "./harness.js";

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

/** A call whose first command is this RecordUtterance; the record webhook's PerCL sends "9". */
function record(attrs: Record<string, unknown>, caller: CallerScript): Promise<CallRun> {
  return h.runCall({
    routes: {
      "/voice": () => [{ RecordUtterance: { actionUrl: appUrl("/rec"), ...attrs } }],
      "/rec": () => [{ SendDigits: { digits: "9" } }],
    },
    caller,
  });
}

function recordBody(run: CallRun): WebhookBody {
  return onlyRequest(run, "record").body;
}

/** The recording the webhook names, checked against every field that describes it. */
async function recordedFile(run: CallRun): Promise<StoredRecording> {
  const body = recordBody(run);
  assert.equal(typeof body.recordingId, "string");
  const file = await h.recording(body.recordingId as string);
  const stat = await h.blobs.stat(file.row.blobKey);
  assert.equal(body.recordingSize, String(stat?.size), "recordingSize is the file's byte size, as a string");
  assert.equal(body.recordingSize, String(file.bytes.length));
  assert.equal(file.bytes.length, WAV_HEADER_BYTES + 2 * file.pcm.length);
  assert.equal(body.recordingFormat, "audio/wav");
  assert.equal(body.recordingDurationSec, Math.ceil(file.pcm.length / 8000), "duration rounded up");
  assert.equal(file.row.durationMs, (file.pcm.length * 1000) / 8000);
  assert.equal(file.row.callId, run.callId);
  assert.equal(
    body.recordingUrl,
    `${PUBLIC_URL}/apiserver/Accounts/${h.accountId}/Recordings/${body.recordingId}/Download`,
  );
  return file;
}

/** The caller's audio over [fromMs, toMs), as the leg sent it. */
function sent(caller: CallerScript, fromMs: number, toMs: number): Int16Array {
  return callerStream(caller, toMs).subarray(sampleAt(fromMs));
}

function assertSamples(actual: Int16Array, expected: Int16Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: sample count`);
  const first = actual.findIndex((s, i) => s !== expected[i]);
  assert.equal(first, -1, `${what}: first differing sample ${first}`);
}

describe("RecordUtterance: how it ends", () => {
  test("finishKey: the file ends before the key's frame and the webhook's PerCL runs", async () => {
    const caller = { audio: talking(4000), dtmf: [{ keys: "#", atMs: 2510 }] };
    const run = await record({ finishOnKey: "#" }, caller);
    const body = recordBody(run);
    assert.equal(body.termReason, "finishKey");
    assert.equal(body.callStatus, "inProgress");
    assert.equal(body.recordingSize, String(WAV_HEADER_BYTES + 2 * sampleAt(2500)));
    assert.equal(body.recordingDurationSec, 3);
    assert.equal(body.privacyMode, false);
    const file = await recordedFile(run);
    assertSamples(file.pcm, sent(caller, 0, 2500), "recording");
    const request = onlyRequest(run, "record");
    assert.equal(request.kind, "percl");
    assert.equal(request.atMs, 2520, "sent when the key's frame arrives");
    assert.deepEqual(run.leg.heardDigits, [{ digits: "9", atMs: 2520 }], "the returned PerCL ran");
    assert.equal(run.outcome.reason, "appHangup");
  });

  test("timeout: silenceTimeoutMs of silence after the last speech ends it", async () => {
    const caller = { audio: talking(1000) };
    const run = await record({ silenceTimeoutMs: 2000 }, caller);
    assert.equal(recordBody(run).termReason, "timeout");
    const voiced = voicedPerFrame(callerStream(caller, 10_000));
    const lastSpeechEnd = (voiced.lastIndexOf(true) + 1) * FRAME_MS;
    // talking() is loud 400 ms in every 500: the last burst ends at 900 ms.
    assert.equal(lastSpeechEnd, 900, "the detector heard the caller to the end of the last burst");
    const file = await recordedFile(run);
    assertSamples(file.pcm, sent(caller, 0, lastSpeechEnd + 2000), "recording");
    assert.equal(onlyRequest(run, "record").atMs, lastSpeechEnd + 2000);
  });

  test("maxLength: maxLengthSec cuts a caller who keeps talking", async () => {
    const caller = { audio: talking(5000) };
    const run = await record({ maxLengthSec: 3 }, caller);
    assert.equal(recordBody(run).termReason, "maxLength");
    assert.equal(recordBody(run).recordingDurationSec, 3);
    assertSamples((await recordedFile(run)).pcm, sent(caller, 0, 3000), "recording");
  });

  test("hangup: callStatus completed, the webhook is a notification and its PerCL is not run", async () => {
    const caller = { audio: talking(5000), hangupAtMs: 3210 };
    const run = await record({}, caller);
    const body = recordBody(run);
    assert.equal(body.termReason, "hangup");
    assert.equal(body.callStatus, "completed");
    assert.equal(body.recordingDurationSec, 4, "3.22 s rounds up");
    // The frame [3200, 3220) holding the hang-up still arrives, then the caller is gone.
    assertSamples((await recordedFile(run)).pcm, sent(caller, 0, 3220), "recording");
    const request = onlyRequest(run, "record");
    assert.equal(request.kind, "notify");
    assert.ok(!run.requests.some((r) => r.kind === "percl" && r.url === appUrl("/rec")));
    assert.deepEqual(run.leg.heardDigits, [], "the PerCL /rec would return never ran");
    assert.equal(run.outcome.reason, "farEndHangup");
    const order = run.timeline
      .map((e) => e.type)
      .filter((t) => ["recording", "notification", "ended"].includes(t));
    assert.deepEqual(order, ["recording", "notification", "notification", "ended"]);
  });

  test("a hang-up during the beep: recording never began, so no file, and the webhook goes out", async () => {
    const run = await record({ playBeep: true }, { audio: talking(2000), hangupAtMs: 100 });
    const request = onlyRequest(run, "record");
    assert.equal(request.kind, "notify");
    assert.equal(request.atMs, 100);
    assert.equal(request.body.termReason, "hangup");
    assert.equal(request.body.callStatus, "completed");
    assert.equal(request.body.recordingId, null);
    assert.equal(request.body.recordingUrl, null);
    assert.equal(request.body.recordingSize, "0");
    assert.equal(request.body.recordingDurationSec, 0);
    assert.equal((await h.store.recordings.list(h.accountId, { callId: run.callId })).total, 0);
    // The file opened while the beep played is thrown away.
    const folder = join(h.blobs.root, "recordings", h.accountId);
    const left = await readdir(folder).catch(() => []);
    assert.ok(!left.some((name) => name.endsWith(".partial")), "the unused file was thrown away");
  });
});

describe("RecordUtterance: defaults (DEFAULTS.recordUtterance)", () => {
  test("the table is what docs/contract.md says", () => {
    assert.deepEqual(
      { ...DEFAULTS.recordUtterance },
      {
        silenceTimeoutMs: 5000,
        maxLengthSec: 60,
        finishOnKey: null,
        playBeep: false,
        autoStart: false,
        privacyMode: false,
      },
    );
  });

  test("silenceTimeoutMs 5000: a silent caller's recording is exactly 5.0 s", async () => {
    const run = await record({}, {});
    const body = recordBody(run);
    assert.equal(body.termReason, "timeout");
    assert.equal(body.recordingDurationSec, 5);
    assert.equal(body.recordingSize, String(WAV_HEADER_BYTES + 2 * 40_000));
    const file = await recordedFile(run);
    assert.equal(file.row.durationMs, 5000);
    assert.ok(file.pcm.every((s) => s === 0));
    assert.equal(onlyRequest(run, "record").atMs, 5000);
    assert.deepEqual(run.leg.heard, [], "no beep by default");
  });

  test("maxLengthSec 60: a caller who never pauses is cut at exactly 60 s", async () => {
    const caller = { audio: talking(65_000) };
    // The detector must call this caller speech throughout (once its first pause has shown it the
    // noise floor), or silence would end the recording first.
    const speech = speechPerFrame(callerStream(caller, 60_000));
    assert.ok(speech.lastIndexOf(false) * FRAME_MS < 1000, "speech from the first second to 60 s");
    const run = await record({}, caller);
    const body = recordBody(run);
    assert.equal(body.termReason, "maxLength");
    assert.equal(body.recordingDurationSec, 60);
    assert.equal(body.recordingSize, String(WAV_HEADER_BYTES + 2 * 480_000));
    assertSamples((await recordedFile(run)).pcm, sent(caller, 0, 60_000), "recording");
    assert.equal(onlyRequest(run, "record").atMs, 60_000);
  });

  test("no finish key: # and other keys neither end the recording nor reach it", async () => {
    const caller = {
      audio: talking(2000),
      dtmf: [
        { keys: "#", atMs: 500 },
        { keys: "*1", atMs: 900 },
      ],
    };
    const run = await record({ silenceTimeoutMs: 1000 }, caller);
    assert.equal(recordBody(run).termReason, "timeout");
    const file = await recordedFile(run);
    assert.ok(file.row.durationMs > 2000);
    assertSamples(file.pcm, sent(caller, 0, file.row.durationMs), "recording");
  });
});

describe("RecordUtterance: on the simulated clock", () => {
  test("the caller's frames are taken many to an event-loop turn, and the file is the same", async () => {
    const caller = { audio: talking(65_000) };
    const run = await record({}, caller);
    assert.equal(recordBody(run).termReason, "maxLength");
    assertSamples((await recordedFile(run)).pcm, sent(caller, 0, 60_000), "recording");
    // 3000 frames: one turn each would be 3000 turns or more.
    const turns = run.clock.turnsTaken();
    assert.ok(turns < 300, `${turns} event-loop turns for 3000 frames`);
  });
});

describe("RecordUtterance: what the file holds", () => {
  test("playBeep: the caller hears the beep and the recording starts after it", async () => {
    const caller = { audio: talking(3000), dtmf: [{ keys: "#", atMs: 1510 }] };
    const run = await record({ playBeep: true, finishOnKey: "#" }, caller);
    const tone = beep();
    assert.deepEqual(run.leg.heard, [{ atMs: 0, samples: tone.length }]);
    const beepEnd = Math.ceil(tone.length / 160) * FRAME_MS;
    assertSamples((await recordedFile(run)).pcm, sent(caller, beepEnd, 1500), "recording");
  });

  test("caller audio during an earlier prompt is not recorded", async () => {
    const caller = { audio: talking(6000), dtmf: [{ keys: "#", atMs: 4010 }] };
    const run = await h.runCall({
      routes: {
        "/voice": () => [
          { Say: { text: "Leave a message" } },
          { RecordUtterance: { actionUrl: appUrl("/rec"), finishOnKey: "#" } },
        ],
        "/rec": () => [{ Hangup: {} }],
      },
      caller,
    });
    const prompt = run.leg.heard[0];
    assert.ok(prompt);
    const promptEnd = Math.ceil(prompt.samples / 160) * FRAME_MS;
    assert.ok(promptEnd < 4000);
    assertSamples((await recordedFile(run)).pcm, sent(caller, promptEnd, 4000), "recording");
  });

  test("two recordings in one call each hold only their own stretch", async () => {
    const caller = {
      audio: talking(4000),
      dtmf: [
        { keys: "#", atMs: 1010 },
        { keys: "#", atMs: 3010 },
      ],
    };
    const run = await h.runCall({
      routes: {
        "/voice": () => [{ RecordUtterance: { actionUrl: appUrl("/one"), finishOnKey: "#" } }],
        "/one": () => [{ RecordUtterance: { actionUrl: appUrl("/two"), finishOnKey: "#" } }],
        "/two": () => [{ Hangup: {} }],
      },
      caller,
    });
    const [first, second] = run.requests.filter((r) => r.body.requestType === "record");
    assert.ok(first && second);
    const one = await h.recording(first.body.recordingId as string);
    const two = await h.recording(second.body.recordingId as string);
    assertSamples(one.pcm, sent(caller, 0, 1000), "first");
    // The second starts listening as the first key's frame arrives (1020 ms).
    assertSamples(two.pcm, sent(caller, 1020, 3000), "second");
  });
});

describe("RecordUtterance: when two end conditions share a frame", () => {
  test("the key beats silence", async () => {
    const run = await record(
      { silenceTimeoutMs: 1000, finishOnKey: "#" },
      { dtmf: [{ keys: "#", atMs: 990 }] },
    );
    assert.equal(recordBody(run).termReason, "finishKey");
    assert.equal((await recordedFile(run)).row.durationMs, 980);
  });

  test("silence beats length", async () => {
    const run = await record({ silenceTimeoutMs: 1000, maxLengthSec: 1 }, {});
    assert.equal(recordBody(run).termReason, "timeout");
    assert.equal((await recordedFile(run)).row.durationMs, 1000);
  });

  test("the key beats length", async () => {
    const caller = { audio: talking(2000), dtmf: [{ keys: "5", atMs: 985 }] };
    const run = await record({ maxLengthSec: 1, finishOnKey: "5" }, caller);
    assert.equal(recordBody(run).termReason, "finishKey");
    assert.equal((await recordedFile(run)).row.durationMs, 980);
  });
});

describe("RecordUtterance: autoStart", () => {
  test("recording starts at the detected onset with 200 ms of pre-roll", async () => {
    // 1.5 s of faint line noise (longer than the silence timeout), then speech, then silence.
    const caller = { audio: joined(hiss(1500), talking(2000)) };
    const run = await record({ autoStart: true, silenceTimeoutMs: 1000 }, caller);
    assert.equal(recordBody(run).termReason, "timeout", "silence is only counted once speech began");
    const speech = speechPerFrame(callerStream(caller, 10_000));
    const onsetMs = speech.indexOf(true) * FRAME_MS;
    const startMs = onsetMs - 200;
    assert.ok(startMs <= 1500 && startMs >= 1300, `the pre-roll holds the first syllable (${startMs} ms)`);
    const endMs = (voicedPerFrame(callerStream(caller, 10_000)).lastIndexOf(true) + 1) * FRAME_MS + 1000;
    assertSamples((await recordedFile(run)).pcm, sent(caller, startMs, endMs), "recording");
  });

  test("no speech before maxLengthSec: the webhook still goes out, with no recording", async () => {
    const run = await record({ autoStart: true }, { audio: hiss(65_000) });
    const request = onlyRequest(run, "record");
    assert.equal(request.kind, "percl");
    assert.equal(request.atMs, 60_000);
    const body = request.body;
    assert.equal(body.termReason, "maxLength");
    assert.equal(body.recordingId, null);
    assert.equal(body.recordingUrl, null);
    assert.equal(body.recordingSize, "0");
    assert.equal(body.recordingDurationSec, 0);
    assert.equal(body.recordingFormat, "audio/wav");
    assert.equal(body.callStatus, "inProgress");
    assert.deepEqual(run.leg.heardDigits, [{ digits: "9", atMs: 60_000 }], "the call goes on");
    const rows = await h.store.recordings.list(h.accountId, { callId: run.callId });
    assert.equal(rows.total, 0);
    const folder = join(h.blobs.root, "recordings", h.accountId);
    const left = await readdir(folder).catch(() => []);
    assert.ok(!left.some((name) => name.endsWith(".partial")), "the unused file was thrown away");
  });

  test("a hang-up before speech: termReason hangup, no recording", async () => {
    const run = await record({ autoStart: true }, { audio: hiss(5000), hangupAtMs: 2000 });
    const request = onlyRequest(run, "record");
    assert.equal(request.kind, "notify");
    assert.equal(request.body.termReason, "hangup");
    assert.equal(request.body.callStatus, "completed");
    assert.equal(request.body.recordingId, null);
    assert.equal(request.body.recordingUrl, null);
    assert.equal(request.body.recordingSize, "0");
    assert.equal(request.body.recordingDurationSec, 0);
    assert.equal(run.outcome.reason, "farEndHangup");
  });
});

describe("RecordUtterance: privacyMode", () => {
  const silentLogger = pino({ level: "silent" });

  test("the file is deleted 120 s after it completes, by the sweeper on the call's clock", async () => {
    const caller = { audio: talking(3000), dtmf: [{ keys: "#", atMs: 1010 }] };
    const run = await record({ privacyMode: true, finishOnKey: "#" }, caller);
    assert.equal(recordBody(run).privacyMode, true);
    const file = await recordedFile(run);
    const [completed] = eventsOf(run, "recording");
    assert.ok(completed);
    assert.equal(file.row.privacyMode, true);
    // The call's clock started at 0, so timeline times are clock times.
    assert.equal(file.row.deleteAt, completed.at + DEFAULTS.privacyRetentionMs);
    const deleteAt = file.row.deleteAt as number;

    const { clock } = run;
    const sweeper = new PrivacySweeper(
      { store: h.store, blobs: h.blobs, clock, logger: silentLogger },
      10_000,
    );
    sweeper.start();
    await clock.sleep(deleteAt - 1 - clock.now());
    assert.equal(await sweeper.sweep(), 0, "not yet due");
    assert.ok(await h.blobs.stat(file.row.blobKey));
    await clock.sleep(10_000);
    // Whichever sweep is running now began at or after the deadline.
    await sweeper.sweep();
    sweeper.stop();
    assert.equal(await h.blobs.stat(file.row.blobKey), undefined, "file deleted");
    assert.equal(await h.store.recordings.get(h.accountId, file.row.recordingId), undefined, "row deleted");
  });

  test("a sweeper started after a restart deletes recordings already due", async () => {
    const run = await record({ privacyMode: true, silenceTimeoutMs: 500 }, {});
    const file = await recordedFile(run);
    const { clock } = run;
    await clock.sleep((file.row.deleteAt as number) + 60_000 - clock.now());
    const fresh = new PrivacySweeper({ store: h.store, blobs: h.blobs, clock, logger: silentLogger }, 10_000);
    fresh.start();
    assert.equal(await fresh.sweep(), 1, "the start-up sweep deletes it");
    fresh.stop();
    assert.equal(await h.blobs.stat(file.row.blobKey), undefined);
    assert.equal(await h.store.recordings.get(h.accountId, file.row.recordingId), undefined);
  });

  test("without privacyMode nothing is scheduled for deletion", async () => {
    const run = await record({ silenceTimeoutMs: 500 }, {});
    assert.equal((await recordedFile(run)).row.deleteAt, null);
  });
});

describe("RecordUtterance in real time", () => {
  test("frames that come while the file is still opening are recorded, from the command's start", async () => {
    // Each 20 ms frame of the caller's audio holds its own number, so the file says which it kept.
    const frames = 150;
    const audio = new Int16Array(frames * FRAME_SAMPLES);
    for (let k = 0; k < frames; k++) audio.fill(100 * (k + 1), k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES);
    // A disk that takes 300 ms to create a file: the condition under test, not a wait for it.
    const slowDisk: BlobStore = {
      create: async (key) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return h.blobs.create(key);
      },
      stat: (key) => h.blobs.stat(key),
      read: (key, range) => h.blobs.read(key, range),
      open: (key) => h.blobs.open(key),
      delete: (key) => h.blobs.delete(key),
    };
    const run = await h.runCall({
      clock: new RealClock(),
      blobs: slowDisk,
      speech: false,
      routes: {
        "/voice": () => [
          { RecordUtterance: { actionUrl: appUrl("/rec"), maxLengthSec: 1, silenceTimeoutMs: 60_000 } },
        ],
        "/rec": () => [{ Hangup: {} }],
      },
      caller: { audio, hangupAtMs: frames * FRAME_MS },
    });
    const body = run.requests.find((r) => r.body.requestType === "record")?.body;
    assert.equal(body?.termReason, "maxLength");
    const { pcm } = await h.recording(body?.recordingId as string);
    const kept = Array.from({ length: pcm.length / FRAME_SAMPLES }, (_, i) => {
      return (pcm[i * FRAME_SAMPLES] as number) / 100 - 1;
    });
    // One second of frames in a row, starting within a few frames of the answer, not 300 ms in.
    assert.equal(kept.length, 1000 / FRAME_MS);
    const first = kept[0] as number;
    assert.ok(first < 5, `the recording began at the caller's frame ${first}`);
    assert.deepEqual(
      kept,
      Array.from({ length: kept.length }, (_, i) => first + i),
    );
  });
});
