import assert from "node:assert/strict";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { webhookSchema } from "../../src/contract/webhooks.js";
import { readWav } from "../../src/media/wav-read.js";
import { WAV_CHUNK_BYTES } from "../../src/media/wav-write.js";
import { type RunningCli, startCli } from "../cli/run-cli.js";
import { type CrashApp, type Hit, startCrashApp, streamVirtualCall } from "./crash-app.js";
import { basicAuth, openApiErrors, pcmToBase64, tempDir } from "./harness.js";

/**
 * `kill -9` of a real `belay serve` while a real-time virtual call records itself (StartRecordCall,
 * tracks "separate") and sits in a recorded conference, then a restart on the same data folder
 * (docs/operations/crash-recovery.md): both recordings are kept, the conference ends, and the app
 * gets conferenceStatus, conferenceRecordingStatus and the call's callStatus with its recording.
 */

const FROM = "+15550000011";
const TO = "+15550002222";

/** Loud noise, every frame unlike the others, so a kept recording can be placed in it exactly. */
function callerVoice(seconds: number, seed: number): Int16Array {
  const pcm = new Int16Array(seconds * 8000);
  let x = seed;
  for (let i = 0; i < pcm.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    pcm[i] = ((x >>> 16) % 16_000) - 8000;
  }
  return pcm;
}
const VOICE = callerVoice(20, 7);

let app: CrashApp;
let folder: { dir: string; remove(): Promise<void> };
const servers: RunningCli[] = [];

before(async () => {
  folder = await tempDir("crash-conf");
  app = await startCrashApp((hit, base) => {
    if (hit.path === "/voice") {
      return [
        { StartRecordCall: { tracks: "separate" } },
        {
          CreateConference: {
            actionUrl: `${base}/created`,
            statusCallbackUrl: `${base}/conference`,
            record: true,
            playBeep: "never",
          },
        },
      ];
    }
    if (hit.path === "/created") return [{ AddToConference: { conferenceId: hit.body.conferenceId } }];
    return [];
  });
});

after(async () => {
  for (const server of servers) if (server.child.exitCode === null) server.child.kill("SIGKILL");
  await app?.close();
  await folder?.remove();
});

async function serve(): Promise<{ server: RunningCli; url: string; auth: string; accountId: string }> {
  const server = startCli([
    "serve",
    "--data-dir",
    folder.dir,
    "--port",
    "0",
    "--sip-port",
    "0",
    "--log-level",
    "info",
  ]);
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

/** The unfinished files under the recordings folder, with their sizes. */
async function partials(dir: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(".wav.partial")) continue;
    const size = (await stat(path.join(entry.parentPath, entry.name)).catch(() => undefined))?.size ?? 0;
    found.set(entry.name.replace(".wav.partial", ""), size);
  }
  return found;
}

test("after kill -9 mid-conference, both recordings are kept and the conference ends honestly", async (t) => {
  const first = await serve();
  const call = streamVirtualCall(first.url, first.auth, {
    appUrl: `${app.url}/voice`,
    statusUrl: `${app.url}/status`,
    from: FROM,
    to: TO,
    audio: pcmToBase64(VOICE),
  });
  const callRecording = (await call.waitFor("recordingStarted")).recordingId;
  const joined = await call.waitFor("conference");
  const { conferenceId } = joined as { conferenceId: string };
  await app.waitFor("conferenceStatus inProgress", (h) => h.body.status === "inProgress");

  // Both files have audio on disk (a chunk each at least): the crash lands mid-recording.
  const recordings = path.join(folder.dir, "blobs", "recordings", first.accountId);
  let onDisk = new Map<string, number>();
  while ([...onDisk.values()].filter((size) => size >= WAV_CHUNK_BYTES).length < 2) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    onDisk = await partials(recordings);
  }
  const conferenceRecording = [...onDisk.keys()].find((id) => id !== callRecording) as string;
  assert.ok(onDisk.has(callRecording), "StartRecordCall's file is one of the two");
  first.server.child.kill("SIGKILL");
  assert.equal((await first.server.exited).signal, "SIGKILL");
  await call.closed;
  const callId = (await call.waitFor("started")).callId;

  const hitsBefore = app.hits.length;
  const restarted = await serve();
  const afterRestart = (what: string, match: (h: Hit) => boolean) =>
    app.waitFor(what, (h) => app.hits.indexOf(h) >= hitsBefore && match(h));
  let owed: Hit[];
  try {
    owed = await Promise.all([
      afterRestart("conferenceStatus", (h) => h.body.requestType === "conferenceStatus"),
      afterRestart("conferenceRecordingStatus", (h) => h.body.requestType === "conferenceRecordingStatus"),
      afterRestart("callStatus", (h) => h.body.requestType === "callStatus"),
    ]);
  } catch (err) {
    const log = `${restarted.server.stdout()}${restarted.server.stderr()}`;
    throw new Error(`${(err as Error).message}\n--- the restarted server logged:\n${log}`);
  }
  const [confStatus, confRecording, callStatus] = owed as [Hit, Hit, Hit];

  assert.deepEqual(
    [confStatus.path, confRecording.path, callStatus.path],
    ["/conference", "/conference", "/status"],
  );
  assert.ok(app.hits.indexOf(confStatus) < app.hits.indexOf(confRecording), "terminated, then the recording");
  for (const [schema, hit] of [
    ["ConferenceStatusWebhook", confStatus],
    ["ConferenceRecordingStatusWebhook", confRecording],
    ["CallStatusWebhook", callStatus],
  ] as const) {
    assert.deepEqual(openApiErrors(schema, hit.body), [], JSON.stringify(hit.body));
    assert.ok(webhookSchema.safeParse(hit.body).success, JSON.stringify(hit.body));
  }
  assert.deepEqual(confStatus.body, {
    requestType: "conferenceStatus",
    accountId: restarted.accountId,
    conferenceId,
    status: "terminated",
  });
  assert.equal(confRecording.body.recordingId, conferenceRecording);
  assert.equal(confRecording.body.callId, undefined, "no call caused it");
  assert.deepEqual(
    [callStatus.body.callId, callStatus.body.callEndedReason, callStatus.body.recordingId],
    [callId, "internalError", callRecording],
  );
  assert.equal(app.hits.filter((h) => h.path === "/recorded").length, 0, "no record webhook for either kind");

  const get = async (pathAndQuery: string) => {
    const response = await fetch(
      `${restarted.url}/apiserver/Accounts/${restarted.accountId}${pathAndQuery}`,
      { headers: { authorization: restarted.auth } },
    );
    assert.equal(response.status, 200, pathAndQuery);
    return response;
  };
  const conference = (await (await get(`/Conferences/${conferenceId}`)).json()) as Record<string, unknown>;
  assert.equal(conference.status, "terminated");
  const participants = (await (await get(`/Conferences/${conferenceId}/Participants`)).json()) as {
    participants: unknown[];
  };
  assert.deepEqual(participants.participants, []);

  // Each recording is what the caller said, sample for sample, as far as it reached the disk.
  const download = async (recordingId: string) =>
    Buffer.from(await (await get(`/Recordings/${recordingId}/Download`)).arrayBuffer());
  const callWav = await download(callRecording);
  assert.equal(String(callWav.length), callStatus.body.recordingSize);
  assert.equal(readWav(callWav).channels, 2);
  const left = Int16Array.from({ length: (callWav.length - 44) / 4 }, (_, i) =>
    callWav.readInt16LE(44 + i * 4),
  );
  const at = offsetIn(VOICE, left);
  assert.ok(at >= 0 && left.length >= WAV_CHUNK_BYTES / 4, "the left channel is what the caller said");
  assert.deepEqual(left, VOICE.subarray(at, at + left.length));
  const confWav = await download(conferenceRecording);
  assert.equal(String(confWav.length), confRecording.body.recordingSize);
  // The mix follows the conference's clock: on a loaded machine a frame of the caller's that came
  // late is heard as silence and the queue then catches up, so each whole frame is either a
  // frame of what the caller said, in order, or silence.
  const mix = readWav(confWav).pcm8k;
  let last = -1;
  let voiced = 0;
  for (let f = 0; (f + 1) * 160 <= mix.length; f++) {
    const frame = mix.subarray(f * 160, (f + 1) * 160);
    if (frame.every((v) => v === 0)) continue;
    const from = offsetIn(VOICE.subarray((last + 1) * 160), frame);
    assert.ok(from >= 0, `mix frame ${f} is a later frame of what the caller said`);
    last += 1 + from / 160;
    voiced++;
  }
  assert.ok(
    voiced * 160 >= WAV_CHUNK_BYTES / 2 / 2,
    `${voiced} frames of the caller's voice kept in the mix`,
  );
  t.diagnostic(
    `kept: the call ${left.length / 8} ms (2 channels), the mix ${mix.length / 8} ms ` +
      `(${voiced} frames of voice, ${Math.floor(mix.length / 160) - voiced} silent)`,
  );

  assert.deepEqual([...(await partials(recordings)).keys()], [], "no .partial is left");
  restarted.server.child.kill("SIGTERM");
  assert.equal((await restarted.server.exited).code, 0);
});
