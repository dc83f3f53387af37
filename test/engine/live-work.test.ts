import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { BlobStore } from "../../src/store/blob-store.js";
import type { LiveCallRow, LiveRecordingRow } from "../../src/store/types.js";
import { runParty } from "./conference-harness.js";
import { appUrl, EngineHarness, talking } from "./harness.js";

/**
 * What a call keeps noted while it runs, for start-up to finish after a crash
 * (docs/operations/crash-recovery.md): the call from its first row to its end, each recording from
 * before its file exists until it is stored. Nothing is left once a call has ended.
 */

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

test("a call is live until it ends; a recording from before its file until its row is stored", async () => {
  let duringCall: Promise<LiveCallRow[]> | undefined;
  let duringRecord: Promise<[LiveCallRow[], LiveRecordingRow[], string[]]> | undefined;
  const run = await h.runCall({
    routes: {
      "/voice": () => {
        duringCall = h.store.live.listCalls();
        return [{ RecordUtterance: { actionUrl: appUrl("/rec"), finishOnKey: "#", privacyMode: true } }];
      },
      "/rec": () => {
        duringRecord = Promise.all([
          h.store.live.listCalls(),
          h.store.live.listRecordings(),
          h.blobs.listPartials(),
        ]);
        return [{ Hangup: {} }];
      },
    },
    caller: { audio: talking(2000), dtmf: [{ keys: "#", atMs: 1500 }] },
  });
  assert.equal(run.outcome.reason, "appHangup");
  const [live] = (await duringCall) ?? [];
  assert.deepEqual(
    [live?.callId, live?.accountId, live?.statusCallbackUrl, live?.connectUrl],
    [run.callId, h.accountId, appUrl("/status"), null],
  );
  const [calls, recordings, partials] = (await duringRecord) ?? [[], [], []];
  assert.deepEqual(
    calls.map((c) => c.callId),
    [run.callId],
    "still live while the record webhook is out",
  );
  assert.deepEqual(recordings, [], "the recording was stored before its webhook: no longer live");
  assert.deepEqual(partials, []);
  assert.deepEqual([await h.store.live.listCalls(), await h.store.live.listRecordings()], [[], []]);
});

test("a recording is live, with where its webhook goes, before its file exists; a hang-up clears it", async () => {
  let atCreate: Promise<LiveRecordingRow[]> | undefined;
  // The harness's own blob folder, watched: what is live at the moment the file is created.
  const blobs: BlobStore = {
    create: (key) => {
      atCreate = h.store.live.listRecordings();
      return h.blobs.create(key);
    },
    stat: (key) => h.blobs.stat(key),
    read: (key, range) => h.blobs.read(key, range),
    open: (key) => h.blobs.open(key),
    delete: (key) => h.blobs.delete(key),
  };
  const run = await h.runCall({
    routes: {
      "/voice": () => [{ RecordUtterance: { actionUrl: appUrl("/rec"), privacyMode: true, playBeep: true } }],
    },
    caller: { audio: talking(3000), hangupAtMs: 2000 },
    blobs,
  });
  assert.equal(run.outcome.reason, "farEndHangup");
  const [live] = (await atCreate) ?? [];
  const record = run.requests.find((r) => r.body.requestType === "record");
  assert.ok(record && live);
  assert.deepEqual(
    [live.recordingId, live.callId, live.kind, live.conferenceId, live.actionUrl, live.privacyMode],
    [record.body.recordingId, run.callId, "utterance", null, appUrl("/rec"), true],
  );
  assert.equal(live.blobKey, `recordings/${h.accountId}/${live.recordingId}.wav`);
  assert.deepEqual([await h.store.live.listCalls(), await h.store.live.listRecordings()], [[], []]);
  assert.deepEqual(await h.blobs.listPartials(), []);
});

test("each recording's live row says what it is: StartRecordCall's, and a conference's with its id", async () => {
  const added: Array<Omit<LiveRecordingRow, "dateCreated">> = [];
  const live = h.store.live;
  const addRecording = live.addRecording.bind(live);
  // A spy on the real store: every row is still written.
  live.addRecording = (row) => {
    added.push(row);
    return addRecording(row);
  };
  let conferenceId = "";
  try {
    const run = await runParty(h, {
      routes: {
        "/voice": () => [
          { StartRecordCall: {} },
          { CreateConference: { actionUrl: appUrl("/created"), record: true, playBeep: "never" } },
        ],
        "/created": (body) => {
          conferenceId = String(body.conferenceId);
          return [
            {
              OutDial: {
                destination: "+15550006666",
                callingNumber: "+15550001111",
                actionUrl: appUrl("/join"),
                callConnectUrl: appUrl("/join"),
              },
            },
          ];
        },
        "/join": () => [{ AddToConference: { conferenceId } }],
      },
      caller: { audio: talking(3000), hangupAtMs: 3000 },
      devices: {
        "+15550006666": { answers: { kind: "answer", afterMs: 500 }, script: { hangupAtMs: 5000 } },
      },
    });
    assert.deepEqual(
      added.map((r) => [r.kind, r.callId, r.conferenceId, r.actionUrl, r.privacyMode]),
      [
        ["call", run.callerId, null, "", false],
        ["conference", run.callerId, conferenceId, "", false],
      ],
    );
    assert.deepEqual(await h.store.live.listRecordings(), [], "both stored: no longer live");
  } finally {
    live.addRecording = addRecording;
  }
});
