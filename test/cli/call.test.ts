import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startVoicemailApp, type VoicemailApp } from "../../examples/voicemail/app.js";
import { newSigningSecret } from "../../src/contract/ids.js";
import { readWav } from "../../src/media/wav-read.js";
import { createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { basicAuth, closedPort, type ScriptedApp, startScriptedApp, tempDir } from "../e2e/harness.js";
import { whiteNoise } from "../media/signals.js";
import { buildWav, encodeSamples } from "../media/wav-builder.js";
import { describeRun, runCli } from "./run-cli.js";

/** `belay call`, `belay recordings` and `belay calls` as a user runs them, each in its own data folder. */

const SECRET = newSigningSecret();
const SECRET_ENV = { BELAY_SIGNING_SECRET: SECRET };

let voicemail: VoicemailApp;
let invalid: ScriptedApp;
let folders: Array<{ remove(): Promise<void> }>;
let wavFile: string;
let notWavFile: string;

async function dataDir(): Promise<string> {
  const folder = await tempDir("cli");
  folders.push(folder);
  return folder.dir;
}

/** Speech-like caller audio: noise bursts (syllables) at 16 kHz stereo, for the CLI to convert. */
function callerWav(): Uint8Array {
  const rate = 16_000;
  const noise = whiteNoise(rate * 3, -20, 7);
  const left = new Float64Array(noise.length);
  for (let i = 0; i < noise.length; i++) {
    const syllable = Math.floor(i / (rate * 0.25)) % 2 === 0 ? 1 : 0.1;
    left[i] = ((noise[i] as number) * syllable) / 32768;
  }
  return buildWav({
    formatTag: 1,
    channels: 2,
    sampleRate: rate,
    bitsPerSample: 16,
    data: encodeSamples([left, left.map((v) => v / 2)], "s16"),
  });
}

before(async () => {
  folders = [];
  voicemail = await startVoicemailApp({ port: 0, signingSecret: SECRET, greeting: "Leave a message." });
  invalid = await startScriptedApp({ "/voice": () => ({ body: [{ Sya: { text: "hello" } }] }) });
  const files = await dataDir();
  wavFile = path.join(files, "caller.wav");
  await writeFile(wavFile, callerWav());
  notWavFile = path.join(files, "caller.mp3.wav");
  await writeFile(notWavFile, Buffer.concat([Buffer.from("ID3"), Buffer.alloc(200, 1)]));
});

after(async () => {
  await voicemail?.close();
  await invalid?.close();
  for (const folder of folders ?? []) await folder.remove();
});

describe("belay call", { concurrency: true }, () => {
  test("--fast against the voicemail app prints the timeline; the recording lists and downloads", async () => {
    const dir = await dataDir();
    const run = await runCli(
      [
        "call",
        "--fast",
        "--app-url",
        `${voicemail.url}/voice`,
        "--status-url",
        `${voicemail.url}/status`,
        "--audio",
        wavFile,
        "--audio-at",
        "1.5",
        "--dtmf",
        "#@4",
        "--data-dir",
        dir,
      ],
      SECRET_ENV,
    );
    assert.equal(run.code, 0, describeRun(run));
    const out = run.stdout;
    assert.match(out, /webhook inboundCall → http:\/\/127\.0\.0\.1:\d+\/voice {2}200 {2}\d+ ms/);
    assert.match(out, /PerCL Say "Leave a message\."/);
    assert.match(out, /PerCL RecordUtterance → http:\/\/127\.0\.0\.1:\d+\/recorded/);
    assert.match(out, /caller pressed #/);
    const recording =
      /recording (RE[0-9a-f]{40}): (\d+) ms \((\d+) s\), (\d+) bytes, termReason finishKey/.exec(out);
    assert.ok(recording, out);
    assert.match(out, /webhook record → http:\/\/127\.0\.0\.1:\d+\/recorded {2}200/);
    assert.match(out, /PerCL Hangup/);
    assert.match(out, /webhook callStatus → http:\/\/127\.0\.0\.1:\d+\/status {2}queued for delivery/);
    assert.match(out, /ended: completed \(appHangup\)\n$/);
    const recordingId = recording[1] as string;
    const sizeBytes = Number(recording[4]);

    const record = voicemail.received.find((r) => r.body.recordingId === recordingId);
    assert.ok(record, "the app received the record webhook");
    assert.equal(record.verified, true);
    assert.equal(record.body.recordingSize, String(sizeBytes));

    const list = await runCli(["recordings", "list", "--data-dir", dir], SECRET_ENV);
    assert.equal(list.code, 0, describeRun(list));
    assert.match(list.stdout, new RegExp(`${recordingId}\\s+CA[0-9a-f]{40}\\s+${recording[3]}s`));
    assert.match(list.stdout, /\n1 recording\(s\)\n$/);

    const file = path.join(dir, "saved.wav");
    const download = await runCli(
      ["recordings", "download", recordingId, "-o", file, "--data-dir", dir],
      SECRET_ENV,
    );
    assert.equal(download.code, 0, describeRun(download));
    assert.equal(download.stdout, `saved ${file}\n`);
    const saved = await readFile(file);
    assert.equal(saved.length, sizeBytes);
    assert.ok(
      readWav(saved).pcm8k.some((sample) => sample !== 0),
      "the caller's converted audio is in the recording",
    );

    const calls = await runCli(["calls", "list", "--data-dir", dir], SECRET_ENV);
    assert.match(calls.stdout, /completed\s+inbound/);
    assert.match(calls.stdout, /\n1 call\(s\)\n$/);

    // The same bytes the REST API serves.
    const belay = await createBelay(resolveConfig({ dataDir: dir, port: 0, logLevel: "silent" }, SECRET_ENV));
    try {
      const response = await belay.api.inject({
        method: "GET",
        url: `/apiserver/Accounts/${belay.account.accountId}/Recordings/${recordingId}/Download`,
        headers: { authorization: basicAuth(belay.account.accountId, belay.account.apiKey) },
      });
      assert.equal(response.statusCode, 200);
      assert.ok(response.rawPayload.equals(saved), "downloaded file = API bytes");
    } finally {
      await belay.close();
    }
  });

  test("--json prints one JSON document with the timeline and the reason", async () => {
    const run = await runCli(
      [
        "call",
        "--fast",
        "--json",
        "--app-url",
        `${voicemail.url}/voice`,
        "--dtmf",
        "#@3",
        "--answer-delay",
        "0.5",
        "--data-dir",
        await dataDir(),
      ],
      SECRET_ENV,
    );
    assert.equal(run.code, 0, describeRun(run));
    const parsed = JSON.parse(run.stdout) as {
      callId: string;
      status: string;
      reason: string;
      fast: boolean;
      timeline: Array<{ type: string; at: number; status?: string; termReason?: string }>;
    };
    assert.deepEqual([parsed.status, parsed.reason, parsed.fast], ["completed", "appHangup", true]);
    assert.match(parsed.callId, /^CA[0-9a-f]{40}$/);
    assert.equal(parsed.timeline[0]?.type, "started");
    assert.equal(parsed.timeline.at(-1)?.type, "ended");
    const statusAt = (status: string) => parsed.timeline.find((e) => e.status === status)?.at ?? Number.NaN;
    assert.equal(statusAt("inProgress") - statusAt("ringing"), 500, "--answer-delay 0.5");
    assert.equal(parsed.timeline.find((e) => e.type === "recording")?.termReason, "finishKey");
  });

  test("an app on a closed port: exit 1 naming webhookFailed and the URL", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/voice`;
    for (const json of [false, true]) {
      const run = await runCli([
        "call",
        "--fast",
        ...(json ? ["--json"] : []),
        "--app-url",
        url,
        "--data-dir",
        await dataDir(),
      ]);
      assert.equal(run.code, 1, describeRun(run));
      assert.match(
        run.stderr,
        new RegExp(`belay call: the call failed \\(webhookFailed\\): POST ${url} failed`),
      );
      if (json) assert.equal((JSON.parse(run.stdout) as { reason: string }).reason, "webhookFailed");
      else assert.match(run.stdout, /ended: failed \(webhookFailed\)/);
    }
  });

  test("an app answering invalid PerCL: exit 1 with appInvalidPercl and the parser's message", async () => {
    const run = await runCli([
      "call",
      "--fast",
      "--app-url",
      `${invalid.url}/voice`,
      "--data-dir",
      await dataDir(),
    ]);
    assert.equal(run.code, 1, describeRun(run));
    assert.match(
      run.stderr,
      /the call failed \(appInvalidPercl\): POST http:\/\/127\.0\.0\.1:\d+\/voice returned invalid PerCL: .*Sya/,
    );
  });

  test("--audio that is not a WAV is refused before dialling: exit 2, no call made", async () => {
    const dir = await dataDir();
    const run = await runCli([
      "call",
      "--fast",
      "--app-url",
      `${voicemail.url}/voice`,
      "--audio",
      notWavFile,
      "--data-dir",
      dir,
    ]);
    assert.equal(run.code, 2, describeRun(run));
    assert.match(
      run.stderr,
      /caller\.mp3\.wav is not a usable WAV: .*it is not a WAV file \(it looks like an MP3 file\)/,
    );
    assert.equal(run.stdout, "");
    const calls = await runCli(["calls", "list", "--data-dir", dir]);
    assert.equal(calls.code, 0, describeRun(calls));
    assert.match(calls.stdout, /\n0 call\(s\)\n$/);
  });

  test("a malformed --dtmf or time: exit 2 with a clear message", async () => {
    const dir = await dataDir();
    const cases: Array<[string[], RegExp]> = [
      [["--dtmf", "#6"], /--dtmf "#6" must look like KEYS@SECONDS, e.g. '#@6.5' or '123#@2'/],
      [["--hangup-at", "soon"], /--hangup-at "soon" must be a number of seconds/],
    ];
    for (const [flags, message] of cases) {
      const run = await runCli([
        "call",
        "--fast",
        "--app-url",
        `${voicemail.url}/voice`,
        ...flags,
        "--data-dir",
        dir,
      ]);
      assert.equal(run.code, 2, describeRun(run));
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace for a usage error");
    }
  });
});
