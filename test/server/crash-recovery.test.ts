import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import type { WebhookTarget } from "../../src/engine/ports.js";
import { recordingBlobKey } from "../../src/engine/recorder.js";
import { readWav } from "../../src/media/wav-read.js";
import { WAV_HEADER_BYTES, wavHeader } from "../../src/media/wav-write.js";
import type { LocalBlobStore } from "../../src/store/local-blob-store.js";
import type { Store } from "../../src/store/types.js";
import { openApiErrors } from "../e2e/harness.js";
import { id, type ManualClock, newDelivery } from "../store/helpers.js";
import { A, PUBLIC_URL, partialWav, RecoveryRig, ramp, START } from "./recovery-rig.js";

/**
 * The recovery routine on a real SQLite file and a real blob folder, set up as a process that died
 * left them (RecordUtterance recordings, calls, orphans; the other kinds of recording and
 * conferences are in crash-recovery-kinds.test.ts).
 */

let rig: RecoveryRig;
let clock: ManualClock;
let store: Store;
let blobs: LocalBlobStore;
let notified: WebhookTarget[];
let app: RecoveryRig["app"];

beforeEach(async () => {
  rig = await RecoveryRig.open();
  ({ clock, store, blobs, notified, app } = rig);
});

afterEach(() => rig.close());

const recover = (lastAliveAt?: number) => rig.recover(lastAliveAt);
const liveCall = (...args: Parameters<RecoveryRig["liveCall"]>) => rig.liveCall(...args);
const liveRecording = (callId: string, n: number, bytes: Uint8Array, privacyMode = false) =>
  rig.liveRecording(callId, n, bytes, { privacyMode });

test("a call mid-recording: the recording is kept as a valid WAV, the call ends, record then callStatus", async () => {
  const call = await liveCall(1, { connectTime: START + 1000 });
  const pcm = ramp(12_345);
  const rec = await liveRecording(call.callId, 1, partialWav(pcm, true));
  clock.advance(5000);
  const lastAliveAt = START + 4200;

  const recovery = await recover(lastAliveAt);
  assert.deepEqual(recovery.summary, {
    callsEnded: 1,
    conferencesLeft: 0,
    recordingsKept: 1,
    recordingsEmpty: 0,
    orphansRemoved: 0,
  });
  const ended = await store.calls.get(A, call.callId);
  assert.deepEqual(
    [ended?.status, ended?.callEndedReason, ended?.endTime],
    ["completed", "internalError", lastAliveAt],
    "answered: completed; endTime when the dead process was last alive, not the restart",
  );
  const row = await store.recordings.get(A, rec.recordingId);
  assert.equal(row?.sizeBytes, WAV_HEADER_BYTES + pcm.length * 2, "the torn byte is cut");
  assert.equal(row?.durationMs, Math.floor((pcm.length * 1000) / 8000), "whole milliseconds");
  const wav = readWav(await readFile(rec.path));
  assert.deepEqual(wav.pcm8k, pcm);
  assert.deepEqual(await readdir(join(rec.path, "..")), [`${rec.recordingId}.wav`], "no .partial left");
  assert.equal(notified.length, 0, "nothing is sent before the public URL is known");

  await recovery.notify(app, PUBLIC_URL);
  assert.deepEqual(
    notified.map((n) => [n.body.requestType, n.url]),
    [
      ["record", "http://app/recorded"],
      ["callStatus", "http://app/status"],
    ],
  );
  const [record, status] = notified.map((n) => n.body);
  assert.deepEqual(openApiErrors("RecordWebhook", record as Record<string, unknown>), []);
  assert.deepEqual(openApiErrors("CallStatusWebhook", status as Record<string, unknown>), []);
  assert.deepEqual(
    { ...record },
    {
      requestType: "record",
      accountId: A,
      callId: call.callId,
      from: call.from,
      to: call.to,
      callStatus: "completed",
      direction: "inbound",
      conferenceId: null,
      queueId: null,
      parentCallId: null,
      recordingId: rec.recordingId,
      recordingUrl: `${PUBLIC_URL}/apiserver/Accounts/${A}/Recordings/${rec.recordingId}/Download`,
      recordingSize: String(WAV_HEADER_BYTES + pcm.length * 2),
      recordingFormat: "audio/wav",
      recordingDurationSec: 2,
      termReason: "hangup",
      privacyMode: false,
    },
  );
  assert.equal(status?.callEndedReason, "internalError");
  assert.equal(status?.callStatus, "completed");
  assert.deepEqual([await store.live.listCalls(), await store.live.listRecordings()], [[], []]);

  // A second start finds nothing left to do.
  const again = await recover();
  assert.equal(again.empty, true);
  await again.notify(app, PUBLIC_URL);
  assert.equal(notified.length, 2);
});

test("a crash in the beep (0 bytes) or right after it (header only): no recording, a record webhook of nulls", async () => {
  const first = await liveCall(1);
  const second = await liveCall(2);
  const empty = await liveRecording(first.callId, 1, new Uint8Array(0));
  const headerOnly = await liveRecording(second.callId, 2, wavHeader(0xffffffff));
  const recovery = await recover();
  assert.deepEqual(recovery.summary, {
    callsEnded: 2,
    conferencesLeft: 0,
    recordingsKept: 0,
    recordingsEmpty: 2,
    orphansRemoved: 0,
  });
  await recovery.notify(app, PUBLIC_URL);
  for (const rec of [empty, headerOnly]) {
    assert.equal(await store.recordings.get(A, rec.recordingId), undefined);
    assert.deepEqual(await readdir(join(rec.path, "..")), []);
  }
  const records = notified.filter((n) => n.body.requestType === "record").map((n) => n.body);
  assert.equal(records.length, 2);
  for (const body of records) {
    assert.deepEqual(openApiErrors("RecordWebhook", body as Record<string, unknown>), []);
    assert.deepEqual(
      [body.recordingId, body.recordingUrl, body.recordingSize, body.recordingDurationSec, body.termReason],
      [null, null, "0", 0, "hangup"],
    );
  }
});

test("calls: unanswered ones end failed; an outbound one that never connected owes outDialApiConnect too", async () => {
  const ringing = await liveCall(1, { status: "ringing" });
  const queued = await liveCall(2, { status: "queued", direction: "outboundAPI" }, "http://app/connect");
  const recovery = await recover();
  await recovery.notify(app, PUBLIC_URL);
  for (const call of [ringing, queued]) {
    const row = await store.calls.get(A, call.callId);
    assert.deepEqual([row?.status, row?.callEndedReason], ["failed", "internalError"]);
    assert.ok(row?.endTime !== null && (row?.endTime ?? 0) >= START, "endTime set");
  }
  assert.deepEqual(
    notified.map((n) => [n.callId, n.body.requestType]),
    [
      [ringing.callId, "callStatus"],
      [queued.callId, "outDialApiConnect"],
      [queued.callId, "callStatus"],
    ],
  );
  for (const n of notified) {
    const schema = n.body.requestType === "callStatus" ? "CallStatusWebhook" : "OutDialApiConnectWebhook";
    assert.deepEqual(openApiErrors(schema, n.body as Record<string, unknown>), [], JSON.stringify(n.body));
  }
});

test("a crash while a call was ending: its final state is kept, and callStatus goes out only if not stored", async () => {
  const stored = await liveCall(1, { status: "completed", callEndedReason: "appHangup", endTime: START + 9 });
  await store.deliveries.create(newDelivery(A, 1, { callId: stored.callId, requestType: "callStatus" }));
  const notStored = await liveCall(2, {
    status: "completed",
    callEndedReason: "farEndHangup",
    endTime: START + 7,
  });
  const recovery = await recover();
  assert.equal(recovery.summary.callsEnded, 0, "nothing was live any more");
  await recovery.notify(app, PUBLIC_URL);
  assert.deepEqual(
    notified.map((n) => [n.callId, n.body.requestType, n.body.callEndedReason]),
    [[notStored.callId, "callStatus", "farEndHangup"]],
  );
  assert.equal((await store.calls.get(A, stored.callId))?.callEndedReason, "appHangup");
  assert.deepEqual(await store.live.listCalls(), []);
});

test("a crash during recovery itself: the next start sends what is missing, nothing twice", async () => {
  const call = await liveCall(1);
  await liveRecording(call.callId, 1, partialWav(ramp(800)));
  await recover(); // settled, then the process died before notifying
  const recovery = await recover();
  assert.equal(recovery.summary.callsEnded, 0);
  assert.equal(recovery.summary.recordingsKept, 1, "the recording row stored last time is kept");
  await recovery.notify(app, PUBLIC_URL);
  assert.deepEqual(
    notified.map((n) => n.body.requestType),
    ["record", "callStatus"],
  );
  await (await recover()).notify(app, PUBLIC_URL);
  assert.equal(notified.length, 2);
});

test("an unfinished file no live recording speaks for is removed", async () => {
  const key = recordingBlobKey(A, id("RE", 9));
  const path = join(blobs.root, ...key.split("/"));
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(`${path}.partial`, partialWav(ramp(100)));
  const recovery = await recover();
  assert.equal(recovery.summary.orphansRemoved, 1);
  assert.deepEqual(await blobs.listPartials(), []);
});
