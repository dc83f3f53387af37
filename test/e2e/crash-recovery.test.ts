import assert from "node:assert/strict";
import { watch } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { readWav } from "../../src/media/wav-read.js";
import { WAV_CHUNK_BYTES } from "../../src/media/wav-write.js";
import { describeRun, type RunningCli, runCli, startCli } from "../cli/run-cli.js";
import { type Answer, type CrashApp, type Hit, startCrashApp, streamVirtualCall } from "./crash-app.js";
import { basicAuth, openApiErrors, pcmToBase64, tempDir } from "./harness.js";

/**
 * `kill -9` of a real `belay serve` with four real-time virtual calls caught at different moments,
 * then a restart on the same data folder (docs/operations/crash-recovery.md):
 *   BEEP    RecordUtterance has just started: the beep is playing, no audio on disk yet;
 *   MID     recording for more than two chunks: part of the audio on disk, part in memory;
 *   RECORD  the caller pressed #: the recording is stored, its PerCL `record` webhook unanswered;
 *   STATUS  the call ended: its callStatus notification is in flight, unanswered.
 */

const TO = "+15550002222";
const CALLERS = { BEEP: "+15550000001", MID: "+15550000002", RECORD: "+15550000003", STATUS: "+15550000004" };
type Caller = keyof typeof CALLERS;
const callerOf = (hit: Hit) =>
  (Object.keys(CALLERS) as Caller[]).find((c) => CALLERS[c] === hit.body.from) as Caller;

/** Loud noise (speech to the VAD, so silence never ends a recording), every frame unlike the others. */
function callerVoice(seconds: number, seed: number): Int16Array {
  const pcm = new Int16Array(seconds * 8000);
  let x = seed;
  for (let i = 0; i < pcm.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    pcm[i] = ((x >>> 16) % 16_000) - 8000;
  }
  return pcm;
}
const VOICES: Record<Caller, Int16Array> = {
  BEEP: callerVoice(20, 1),
  MID: callerVoice(20, 2),
  RECORD: callerVoice(20, 3),
  STATUS: callerVoice(20, 4),
};

/** What a crash may lose of a recording: the WAV chunk not yet handed to the file, plus a frame. */
const MAX_LOSS_MS = (WAV_CHUNK_BYTES / 16 / 1000) * 1000 + 20;
/** The test measures from outside the process: the kill and the events reach it a little late. */
const MEASURING_SLACK_MS = 200;

let app: CrashApp;
let folder: { dir: string; remove(): Promise<void> };
const servers: RunningCli[] = [];
/** Only the first callStatus of STATUS is held; the one sent again after the restart is answered. */
let holdStatus = true;

before(async () => {
  folder = await tempDir("crash");
  app = await startCrashApp((hit, base): Answer => {
    const caller = callerOf(hit);
    if (hit.path === "/voice") {
      const record = {
        actionUrl: `${base}/recorded`,
        silenceTimeoutMs: 60_000,
        maxLengthSec: 60,
        ...(caller === "BEEP" ? { playBeep: true } : {}),
        ...(caller === "RECORD" || caller === "STATUS" ? { finishOnKey: "#" } : {}),
      };
      return [{ RecordUtterance: record }];
    }
    if (hit.path === "/recorded" && hit.body.callStatus === "inProgress") {
      return caller === "RECORD" ? "hold" : [{ Hangup: {} }];
    }
    if (hit.path === "/status" && caller === "STATUS" && holdStatus) {
      holdStatus = false;
      return "hold";
    }
    return [];
  });
});

after(async () => {
  for (const server of servers) if (server.child.exitCode === null) server.child.kill("SIGKILL");
  await app?.close();
  await folder?.remove();
});

async function serve(): Promise<{ server: RunningCli; url: string; auth: string; accountId: string }> {
  const server = startCli(
    ["serve", "--data-dir", folder.dir, "--port", "0", "--sip-port", "0", "--log-level", "info"],
    // RECORD's webhook stays unanswered until the kill, however slow the machine running the test.
    { BELAY_WEBHOOK_TIMEOUT_MS: "120000" },
  );
  servers.push(server);
  const [banner] = await server.waitForStdout(/Belay is listening[\s\S]*REST API\s+\S+\n/);
  const url = /Belay is listening on (\S+)\n/.exec(banner)?.[1] as string;
  const accountId = /account id\s+(AC[0-9a-f]{40})\n/.exec(banner)?.[1] as string;
  const apiKey = /API key\s+(\S+)\n/.exec(banner)?.[1] as string;
  return { server, url, auth: basicAuth(accountId, apiKey), accountId };
}

/** Where `recorded` starts in what the caller said (frame-aligned), or -1. */
function offsetIn(voice: Int16Array, recorded: Int16Array): number {
  for (let at = 0; at + 160 <= voice.length; at += 160) {
    if (voice.subarray(at, at + 160).every((v, i) => v === recorded[i])) return at;
  }
  return -1;
}

/** Waits for all; on failure shows what the server logged. */
async function withLog<T extends readonly unknown[]>(
  server: RunningCli,
  waits: [...{ [K in keyof T]: Promise<T[K]> }],
) {
  try {
    return await Promise.all(waits);
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- the restarted server logged:\n${server.stdout()}${server.stderr()}`,
    );
  }
}

async function partialsUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".partial"))
      found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

test("after kill -9, a restart ends every call, keeps the recordings and sends every webhook owed", async (t) => {
  const first = await serve();
  const call = (caller: Caller, extra: object = {}) =>
    streamVirtualCall(first.url, first.auth, {
      appUrl: `${app.url}/voice`,
      statusUrl: `${app.url}/status`,
      from: CALLERS[caller],
      to: TO,
      audio: pcmToBase64(VOICES[caller]),
      ...extra,
    });

  const mid = call("MID");
  const record = call("RECORD", { dtmf: [{ keys: "#", atMs: 1500 }] });
  const status = call("STATUS", { dtmf: [{ keys: "#", atMs: 1000 }] });
  // Meanwhile: a second Belay on the same folder is refused, and says why.
  const second = runCli(["serve", "--data-dir", folder.dir, "--port", "0", "--sip-port", "0"]);

  const heldRecord = await app.waitFor(
    "RECORD's record webhook",
    (h) => h.path === "/recorded" && callerOf(h) === "RECORD",
  );
  const heldStatus = await app.waitFor(
    "STATUS's callStatus",
    (h) => h.path === "/status" && callerOf(h) === "STATUS",
  );
  const midStarted = await mid.waitFor("recordingStarted");
  const midStartedAt = mid.arrivalOf(midStarted);
  const midPartial = path.join(
    folder.dir,
    "blobs",
    "recordings",
    first.accountId,
    `${midStarted.recordingId}.wav.partial`,
  );
  // Two chunks on disk, the third filling in memory: the crash lands mid-recording.
  while (((await stat(midPartial).catch(() => undefined))?.size ?? 0) < 2 * WAV_CHUNK_BYTES) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  // BEEP: its file is created (0 bytes) as the beep starts, and the beep plays 250 ms: the kill
  // lands in it. Had it landed just after, no audio would be on disk either (the first write
  // comes after a second of recording).
  const recordingsFolder = path.dirname(midPartial);
  const beepFile = new Promise<void>((resolve) => {
    const watcher = watch(recordingsFolder, (_event, name) => {
      if (name?.endsWith(".wav.partial") && !midPartial.endsWith(name)) {
        watcher.close();
        resolve();
      }
    });
  });
  const refused = await second;
  assert.equal(refused.code, 2, describeRun(refused));
  assert.match(refused.stderr, /data folder .* is in use by another Belay \(belay serve, pid \d+/);
  const beep = call("BEEP");
  await beepFile;
  first.server.child.kill("SIGKILL");
  const killedAt = performance.now();
  const exit = await first.server.exited;
  assert.equal(exit.signal, "SIGKILL");
  await Promise.all([mid.closed, record.closed, status.closed, beep.closed]);
  const callIds = {} as Record<Caller, string>;
  for (const [caller, stream] of [
    ["BEEP", beep],
    ["MID", mid],
    ["RECORD", record],
    ["STATUS", status],
  ] as const) {
    callIds[caller] = (await stream.waitFor("started")).callId;
  }
  const leftBehind = await partialsUnder(folder.dir);
  assert.equal(leftBehind.length, 2, `the crash left MID's and BEEP's .partial: ${leftBehind.join(", ")}`);
  assert.ok(leftBehind.includes(midPartial));

  // Restart on the same folder.
  const hitsBefore = app.hits.length;
  const restarted = await serve();
  const after = (what: string, match: (h: Hit) => boolean) =>
    app.waitFor(what, (h) => app.hits.indexOf(h) >= hitsBefore && match(h));
  const statusOf = (caller: Caller) =>
    after(`${caller}'s callStatus`, (h) => h.path === "/status" && h.body.callId === callIds[caller]);
  const recordOf = (caller: Caller) =>
    after(`${caller}'s record webhook`, (h) => h.path === "/recorded" && h.body.callId === callIds[caller]);
  const [beepRecord, midRecord, beepStatus, midStatus, recordStatus, statusAgain] = await withLog(
    restarted.server,
    [
      recordOf("BEEP"),
      recordOf("MID"),
      statusOf("BEEP"),
      statusOf("MID"),
      statusOf("RECORD"),
      statusOf("STATUS"),
    ],
  );

  // The notification in flight at the crash is delivered again, with the same id.
  assert.equal(statusAgain.headers["belay-delivery-id"], heldStatus.headers["belay-delivery-id"]);
  assert.deepEqual(statusAgain.body, heldStatus.body);
  // Each owed webhook is valid FreeClimb, and record comes before callStatus.
  for (const hit of [beepRecord, midRecord]) {
    assert.deepEqual(openApiErrors("RecordWebhook", hit.body), [], JSON.stringify(hit.body));
    assert.deepEqual([hit.body.termReason, hit.body.callStatus], ["hangup", "completed"]);
    assert.match(String(hit.headers["belay-delivery-id"]), /^RQ[0-9a-f]{40}$/);
  }
  for (const hit of [beepStatus, midStatus, recordStatus]) {
    assert.deepEqual(openApiErrors("CallStatusWebhook", hit.body), [], JSON.stringify(hit.body));
    assert.deepEqual([hit.body.callStatus, hit.body.callEndedReason], ["completed", "internalError"]);
  }
  assert.ok(app.hits.indexOf(midRecord) < app.hits.indexOf(midStatus), "MID: record, then callStatus");
  assert.ok(app.hits.indexOf(beepRecord) < app.hits.indexOf(beepStatus), "BEEP: record, then callStatus");

  // The calls, through the REST API.
  const get = async (pathAndQuery: string) => {
    const response = await fetch(
      `${restarted.url}/apiserver/Accounts/${restarted.accountId}${pathAndQuery}`,
      {
        headers: { authorization: restarted.auth },
      },
    );
    assert.equal(response.status, 200, pathAndQuery);
    return response;
  };
  for (const caller of ["BEEP", "MID", "RECORD"] as const) {
    const row = (await (await get(`/Calls/${callIds[caller]}`)).json()) as Record<string, unknown>;
    assert.deepEqual(openApiErrors("CallResult", row), []);
    // REST has no callEndedReason (FreeClimb's CallResult); the callStatus webhooks above carry it.
    assert.equal(row.status, "completed", caller);
    assert.ok(row.endTime, `${caller} has an endTime`);
  }
  const ended = (await (await get(`/Calls/${callIds.STATUS}`)).json()) as Record<string, unknown>;
  assert.equal(ended.status, "completed", "ended before the crash");
  assert.equal(statusAgain.body.callEndedReason, "appHangup");

  // BEEP: no audio had reached the disk: no recording, and the app is told so.
  assert.deepEqual(
    [beepRecord.body.recordingId, beepRecord.body.recordingUrl, beepRecord.body.recordingSize],
    [null, null, "0"],
  );
  const recordingsOf = async (caller: Caller) =>
    (
      (await (await get(`/Recordings?callId=${callIds[caller]}`)).json()) as {
        recordings: Array<{ recordingId: string }>;
      }
    ).recordings;
  assert.deepEqual(await recordingsOf("BEEP"), []);

  // MID: kept up to what reached the disk, sample for sample what the caller said.
  assert.equal(midRecord.body.recordingId, midStarted.recordingId);
  const [midRow] = await recordingsOf("MID");
  assert.equal(midRow?.recordingId, midStarted.recordingId);
  const midWav = Buffer.from(
    await (await get(`/Recordings/${midStarted.recordingId}/Download`)).arrayBuffer(),
  );
  assert.equal(String(midWav.length), midRecord.body.recordingSize);
  assert.equal(midWav.readUInt32LE(4), midWav.length - 8, "RIFF size fixed");
  assert.equal(midWav.readUInt32LE(40), midWav.length - 44, "data size fixed");
  const kept = readWav(midWav).pcm8k;
  const at = offsetIn(VOICES.MID, kept);
  assert.ok(at >= 0, "the recording is what the caller said");
  assert.deepEqual(kept, VOICES.MID.subarray(at, at + kept.length), "sample for sample");
  const keptMs = kept.length / 8;
  const saidMs = killedAt - midStartedAt;
  t.diagnostic(`MID: ${keptMs} ms kept of about ${Math.round(saidMs)} ms said before the kill`);
  assert.ok(keptMs >= 2 * (WAV_CHUNK_BYTES / 16) - 10, `at least the two chunks on disk (${keptMs} ms)`);
  assert.ok(
    saidMs - keptMs <= MAX_LOSS_MS + MEASURING_SLACK_MS,
    `lost ${Math.round(saidMs - keptMs)} ms of the ${Math.round(saidMs)} ms said before the crash (bound ${MAX_LOSS_MS} ms)`,
  );
  assert.equal(midRecord.body.recordingDurationSec, Math.ceil(keptMs / 1000));

  // RECORD: the recording finished before the crash; its webhook reached the app then, not again.
  const [recordRow] = await recordingsOf("RECORD");
  assert.equal(recordRow?.recordingId, heldRecord.body.recordingId);
  const recordWav = readWav(
    Buffer.from(await (await get(`/Recordings/${recordRow?.recordingId}/Download`)).arrayBuffer()),
  ).pcm8k;
  const recordAt = offsetIn(VOICES.RECORD, recordWav);
  assert.deepEqual(recordWav, VOICES.RECORD.subarray(recordAt, recordAt + recordWav.length));
  assert.equal(
    app.hits.filter((h) => h.path === "/recorded" && h.body.callId === callIds.RECORD).length,
    1,
    "the record webhook was received once, before the crash",
  );

  assert.deepEqual(await partialsUnder(folder.dir), [], "no .partial is left");

  restarted.server.child.kill("SIGTERM");
  const stopped = await restarted.server.exited;
  assert.equal(stopped.code, 0, stopped.stderr);
});
