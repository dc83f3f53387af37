import assert from "node:assert/strict";
import { readdir, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import {
  callStatusWebhookSchema,
  conferenceRecordingStatusWebhookSchema,
  conferenceStatusWebhookSchema,
  webhookSchema,
} from "../../src/contract/webhooks.js";
import type { WebhookBody } from "../../src/engine/ports.js";
import { readWav } from "../../src/media/wav-read.js";
import { WAV_HEADER_BYTES, wavHeader } from "../../src/media/wav-write.js";
import { openApiErrors } from "../e2e/harness.js";
import { id, newCall, newConference, newParticipant } from "../store/helpers.js";
import { A, PUBLIC_URL, partialStereoWav, partialWav, RecoveryRig, ramp } from "./recovery-rig.js";

/**
 * Crash recovery of StartRecordCall's and conferences' recordings, and of conferences left
 * running, on a real SQLite file and blob folder (the rig: test/server/recovery-rig.ts).
 */

let rig: RecoveryRig;
beforeEach(async () => {
  rig = await RecoveryRig.open();
});
afterEach(() => rig.close());

const downloadUrl = (recordingId: string) =>
  `${PUBLIC_URL}/apiserver/Accounts/${A}/Recordings/${recordingId}/Download`;

/** Valid for FreeClimb's OpenAPI schema and for Belay's own, stricter, contract. */
function assertWebhook(openApiName: string, body: WebhookBody): void {
  assert.deepEqual(openApiErrors(openApiName, body as Record<string, unknown>), [], JSON.stringify(body));
  const parsed = webhookSchema.safeParse(body);
  assert.ok(parsed.success, `${JSON.stringify(body)}: ${parsed.error?.message}`);
}

/** The bytes of a stereo WAV holding these sample pairs, sizes set. */
function stereoWav(left: Int16Array, right: Int16Array): Uint8Array {
  const bytes = partialStereoWav(left, right);
  bytes.set(wavHeader(left.length * 4, 8000, 2));
  return bytes;
}

test("a StartRecordCall recording: kept, no record webhook, its fields in the call's callStatus", async () => {
  const call = await rig.liveCall(1, { connectTime: 1_700_000_001_000 });
  const left = ramp(9_001);
  const right = ramp(9_001, 31);
  const rec = await rig.liveRecording(call.callId, 1, partialStereoWav(left, right), { kind: "call" });

  // The process died once more after settling: the second start still owes everything.
  await rig.recover();
  const recovery = await rig.recover();
  assert.equal(recovery.summary.recordingsKept, 1);
  await recovery.notify(rig.app, PUBLIC_URL);

  const kept = await rig.store.recordings.get(A, rec.recordingId);
  const size = WAV_HEADER_BYTES + left.length * 4;
  assert.deepEqual(
    [kept?.callId, kept?.conferenceId, kept?.sizeBytes, kept?.durationMs],
    [call.callId, null, size, Math.floor((left.length * 1000) / 8000)],
  );
  assert.deepEqual(new Uint8Array(await readFile(rec.path)), stereoWav(left, right), "both channels kept");

  assert.deepEqual(
    rig.notified.map((n) => [n.body.requestType, n.url, n.callId]),
    [["callStatus", "http://app/status", call.callId]],
    "no record webhook: StartRecordCall has no actionUrl",
  );
  const status = rig.notified[0]?.body as WebhookBody;
  assertWebhook("CallStatusWebhook", status);
  assert.ok(callStatusWebhookSchema.safeParse(status).success);
  assert.deepEqual(
    { ...status },
    {
      requestType: "callStatus",
      accountId: A,
      callId: call.callId,
      from: call.from,
      to: call.to,
      callStatus: "completed",
      callEndedReason: "internalError",
      direction: "inbound",
      conferenceId: null,
      queueId: null,
      parentCallId: null,
      recordingId: rec.recordingId,
      recordingUrl: downloadUrl(rec.recordingId),
      recordingSize: String(size),
      recordingFormat: "audio/wav",
      recordingDurationSec: 2,
    },
  );
  assert.deepEqual(await rig.store.live.listRecordings(), []);
  await (await rig.recover()).notify(rig.app, PUBLIC_URL);
  assert.equal(rig.notified.length, 1, "nothing twice");
});

test("a StartRecordCall recording with no audio on disk: none kept, the callStatus has no recording fields", async () => {
  const call = await rig.liveCall(1);
  await rig.liveRecording(call.callId, 1, wavHeader(0xffffffff, 8000, 2), { kind: "call" });
  const recovery = await rig.recover();
  assert.equal(recovery.summary.recordingsEmpty, 1);
  await recovery.notify(rig.app, PUBLIC_URL);
  assert.deepEqual(
    rig.notified.map((n) => n.body.requestType),
    ["callStatus"],
  );
  const status = rig.notified[0]?.body as WebhookBody;
  assertWebhook("CallStatusWebhook", status);
  assert.equal("recordingId" in status, false, "no Recording to describe");
});

test("a 2-channel recording is cut to whole sample pairs; a finished one's length counts pairs", async () => {
  const call = await rig.liveCall(1);
  const left = ramp(4_000);
  const right = ramp(4_000, 53);
  // A crash mid-write: one more left sample and half a right one reached the disk.
  const torn = await rig.liveRecording(call.callId, 1, partialStereoWav(left, right, [1, 2, 3]), {
    kind: "call",
  });
  // A crash after the file was finished and renamed but before its row was stored.
  const second = await rig.liveCall(2);
  const finished = await rig.liveRecording(second.callId, 2, stereoWav(left, right), { kind: "call" });
  await rename(`${finished.path}.partial`, finished.path);

  await rig.recover();
  for (const rec of [torn, finished]) {
    const row = await rig.store.recordings.get(A, rec.recordingId);
    assert.deepEqual([row?.sizeBytes, row?.durationMs], [WAV_HEADER_BYTES + 16_000, 500], rec.recordingId);
    const bytes = new Uint8Array(await readFile(rec.path));
    assert.deepEqual(bytes, stereoWav(left, right));
    const wav = readWav(bytes);
    assert.deepEqual([wav.channels, wav.durationMs], [2, 500]);
  }
});

test("a conference's recording: kept under its conference, conferenceRecordingStatus after conferenceStatus", async () => {
  const creator = await rig.liveCall(1, { connectTime: 1_700_000_001_000 });
  const agent = await rig.liveCall(2, { connectTime: 1_700_000_002_000 });
  const conference = await rig.store.conferences.create(
    newConference(A, 1, { status: "inProgress", record: true, callId: creator.callId }),
  );
  const { conferenceId } = conference;
  for (const n of [1, 2]) await rig.store.participants.create(newParticipant(A, conferenceId, n));
  const mix = ramp(12_000);
  const rec = await rig.liveRecording(creator.callId, 1, partialWav(mix, true), {
    kind: "conference",
    conferenceId,
  });

  const recovery = await rig.recover();
  assert.deepEqual(
    { ...recovery.summary },
    { callsEnded: 2, conferencesLeft: 1, recordingsKept: 1, recordingsEmpty: 0, orphansRemoved: 0 },
  );
  await recovery.notify(rig.app, PUBLIC_URL);

  const kept = await rig.store.recordings.get(A, rec.recordingId);
  assert.deepEqual([kept?.callId, kept?.conferenceId], [creator.callId, conferenceId]);
  assert.deepEqual(readWav(await readFile(rec.path)).pcm8k, mix);
  assert.deepEqual(await readdir(join(rec.path, "..")), [`${rec.recordingId}.wav`]);

  const confUrl = conference.statusCallbackUrl;
  assert.deepEqual(
    rig.notified.map((n) => [n.body.requestType, n.url, n.callId]),
    [
      ["conferenceStatus", confUrl, conferenceId],
      ["conferenceRecordingStatus", confUrl, conferenceId],
      ["callStatus", "http://app/status", creator.callId],
      ["callStatus", "http://app/status", agent.callId],
    ],
    "no record webhook; the conference's two share one outbox key, so they go out in this order",
  );
  const [status, recording] = rig.notified.map((n) => n.body);
  assertWebhook("ConferenceStatusWebhook", status as WebhookBody);
  assert.ok(conferenceStatusWebhookSchema.safeParse(status).success);
  assert.deepEqual(
    { ...status },
    { requestType: "conferenceStatus", accountId: A, conferenceId, status: "terminated" },
  );
  assertWebhook("ConferenceRecordingStatusWebhook", recording as WebhookBody);
  assert.ok(conferenceRecordingStatusWebhookSchema.safeParse(recording).success);
  assert.deepEqual(
    { ...recording },
    {
      requestType: "conferenceRecordingStatus",
      accountId: A,
      conferenceId,
      status: "terminated",
      recordingId: rec.recordingId,
      recordingUrl: downloadUrl(rec.recordingId),
      recordingSize: String(WAV_HEADER_BYTES + mix.length * 2),
      recordingFormat: "audio/wav",
      recordingDurationSec: 2,
    },
    "no call fields: no call caused it",
  );
  assert.equal((await rig.store.conferences.get(A, conferenceId))?.status, "terminated");
  assert.equal((await rig.store.participants.list(A, conferenceId)).total, 0);

  await (await rig.recover()).notify(rig.app, PUBLIC_URL);
  assert.equal(rig.notified.length, 4, "nothing twice");
});

test("conferences left unterminated end terminated, their participants gone, conferenceStatus once", async () => {
  const populated = await rig.store.conferences.create(newConference(A, 1, { status: "populated" }));
  await rig.store.participants.create(newParticipant(A, populated.conferenceId, 1));
  const emptyNoUrl = await rig.store.conferences.create(
    newConference(A, 2, { status: "empty", statusCallbackUrl: null }),
  );
  const over = await rig.store.conferences.create(newConference(A, 3, { status: "terminated" }));
  // A recorded conference whose recording had no audio yet: no Recording, so nothing to announce.
  const silentOne = await rig.store.conferences.create(
    newConference(A, 4, { status: "inProgress", record: true }),
  );
  await rig.liveRecording(id("CA", 4), 4, new Uint8Array(0), {
    kind: "conference",
    conferenceId: silentOne.conferenceId,
  });

  const recovery = await rig.recover();
  assert.equal(recovery.summary.conferencesLeft, 3);
  assert.equal(recovery.empty, false);
  await recovery.notify(rig.app, PUBLIC_URL);
  for (const c of [populated, emptyNoUrl, over, silentOne]) {
    assert.equal((await rig.store.conferences.get(A, c.conferenceId))?.status, "terminated");
    assert.equal((await rig.store.participants.list(A, c.conferenceId)).total, 0);
  }
  assert.equal((await rig.store.conferences.get(A, over.conferenceId))?.revision, over.revision, "untouched");
  assert.deepEqual(
    rig.notified.map((n) => [n.body.requestType, n.url, n.body.conferenceId, n.body.status]),
    [
      ["conferenceStatus", populated.statusCallbackUrl, populated.conferenceId, "terminated"],
      ["conferenceStatus", silentOne.statusCallbackUrl, silentOne.conferenceId, "terminated"],
    ],
  );
  for (const n of rig.notified) assertWebhook("ConferenceStatusWebhook", n.body);
  assert.deepEqual(await rig.store.live.listRecordings(), []);

  // The process died again after storing the webhook but before ending the conference.
  await rig.store.conferences.update(A, populated.conferenceId, { status: "populated" });
  await rig.store.participants.create(newParticipant(A, populated.conferenceId, 1));
  const again = await rig.recover();
  assert.equal(again.summary.conferencesLeft, 1);
  await again.notify(rig.app, PUBLIC_URL);
  assert.equal((await rig.store.conferences.get(A, populated.conferenceId))?.status, "terminated");
  assert.equal((await rig.store.participants.list(A, populated.conferenceId)).total, 0);
  assert.equal(rig.notified.length, 2, "its conferenceStatus was already stored: not again");
});

test("a callStatus that could not be stored keeps its StartRecordCall recording owed to the next start", async () => {
  const call = await rig.liveCall(1);
  const rec = await rig.liveRecording(call.callId, 1, partialWav(ramp(9_000)), { kind: "call" });
  const failing = {
    notify: async () => {
      throw new Error("disk I/O error"); // as the outbox's insert failing would
    },
  };
  await (await rig.recover()).notify(failing, PUBLIC_URL);
  assert.deepEqual(
    (await rig.store.live.listRecordings()).map((r) => r.recordingId),
    [rec.recordingId],
    "still live: its fields are still owed",
  );
  await (await rig.recover()).notify(rig.app, PUBLIC_URL);
  assert.deepEqual(
    rig.notified.map((n) => [n.body.requestType, n.body.recordingId]),
    [["callStatus", rec.recordingId]],
  );
  assert.deepEqual(await rig.store.live.listRecordings(), []);
});

test("a conference that could not be ended keeps its recording's webhook for after its conferenceStatus", async () => {
  const creator = await rig.store.calls.create(newCall(A, 1, { status: "completed" }));
  const conference = await rig.store.conferences.create(
    newConference(A, 1, { status: "inProgress", record: true, callId: creator.callId }),
  );
  const { conferenceId } = conference;
  const rec = await rig.liveRecording(creator.callId, 1, partialWav(ramp(9_000)), {
    kind: "conference",
    conferenceId,
  });
  const failingConferenceStatus = {
    notify: async (target: Parameters<RecoveryRig["app"]["notify"]>[0]) => {
      if (target.body.requestType === "conferenceStatus") throw new Error("disk I/O error");
      await rig.app.notify(target);
    },
  };
  await (await rig.recover()).notify(failingConferenceStatus, PUBLIC_URL);
  assert.equal(rig.notified.length, 0, "no conferenceRecordingStatus before its conferenceStatus");
  assert.equal((await rig.store.conferences.get(A, conferenceId))?.status, "inProgress");
  await (await rig.recover()).notify(rig.app, PUBLIC_URL);
  assert.deepEqual(
    rig.notified.map((n) => [n.body.requestType, n.body.recordingId]),
    [
      ["conferenceStatus", undefined],
      ["conferenceRecordingStatus", rec.recordingId],
    ],
  );
});
