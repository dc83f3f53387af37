import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay, tempDir } from "../e2e/harness.js";
import { buildWav, encodeSamples } from "../media/wav-builder.js";
import { describeRun, runCli } from "./run-cli.js";

/** `belay devices` and `belay calls` against a running Belay, as a user runs them. */

let harness: TestBelay;
let app: ScriptedApp;
let folder: { dir: string; remove(): Promise<void> };
let env: Record<string, string>;
let applicationId: string;

before(async () => {
  harness = await startBelay();
  app = await startScriptedApp({ "/connect": () => ({ body: [{ Hangup: {} }] }) });
  folder = await tempDir("cli-calls");
  const { accountId, apiKey } = harness.belay.account;
  env = { BELAY_API_URL: harness.belay.publicUrl(), BELAY_ACCOUNT_ID: accountId, BELAY_API_KEY: apiKey };
  applicationId = newId("AP");
  await harness.belay.store.applications.create({
    applicationId,
    accountId,
    alias: null,
    voiceUrl: null,
    voiceFallbackUrl: null,
    callConnectUrl: `${app.url}/connect`,
    statusCallbackUrl: `${app.url}/status`,
    smsUrl: null,
    smsFallbackUrl: null,
  });
});

after(async () => {
  await app?.close();
  await harness?.stop();
  await folder?.remove();
});

test("devices add (WAV at 16 kHz, keys, hang-up), list, get, remove", async () => {
  const wav = path.join(folder.dir, "voice.wav");
  const tone = Float64Array.from({ length: 16_000 }, (_, i) => Math.sin(i / 5) / 4);
  await writeFile(
    wav,
    buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: 16_000,
      bitsPerSample: 16,
      data: encodeSamples([tone], "s16"),
    }),
  );
  const added = await runCli(
    [
      "devices",
      "add",
      "+15550004444",
      "--audio",
      wav,
      "--dtmf",
      "12#@2.5",
      "--hangup-at",
      "8",
      "--answer-after",
      "0",
    ],
    env,
  );
  assert.equal(added.code, 0, describeRun(added));
  assert.match(added.stdout, /added \+15550004444: after 0s/);
  const row = await harness.belay.store.devices.get(harness.belay.account.accountId, "+15550004444");
  assert.deepEqual(
    [row?.audioSamples, row?.dtmf, row?.hangupAtMs, row?.answerAfterMs],
    [8000, [{ keys: "12#", atMs: 2500 }], 8000, 0],
    "the WAV was converted to 8 kHz",
  );

  const busy = await runCli(["devices", "add", "+15550004445", "--busy"], env);
  assert.equal(busy.code, 0, describeRun(busy));
  const list = await runCli(["devices", "list"], env);
  assert.equal(list.code, 0, describeRun(list));
  assert.match(list.stdout, /\+15550004445\s+busy/);
  assert.match(list.stdout, /\+15550004444\s+after 0s\s+1\.0s at 0s\s+12#@2\.5\s+8s/);
  assert.match(list.stdout, /2 device\(s\)/);

  const again = await runCli(["devices", "add", "+15550004445", "--no-answer"], env);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /already a device of this account/);
  const both = await runCli(["devices", "add", "+15550004446", "--busy", "--no-answer"], env);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /one of --answer-after, --busy and --no-answer/);

  const got = await runCli(["devices", "get", "+15550004445"], env);
  assert.equal(JSON.parse(got.stdout).mode, "busy");
  const removed = await runCli(["devices", "remove", "+15550004445"], env);
  assert.equal(removed.code, 0, describeRun(removed));
  const gone = await runCli(["devices", "remove", "+15550004445"], env);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /no device \+15550004445 in this account/);
});

test("calls make --wait, get, list with filters, hangup of an ended call", async () => {
  await harness.belay.store.devices.create({
    accountId: harness.belay.account.accountId,
    phoneNumber: "+15550005555",
    mode: "answer",
    answerAfterMs: 0,
    audioBlobKey: null,
    audioSamples: 0,
    audioAtMs: 0,
    dtmf: [],
    hangupAtMs: null,
  });
  const made = await runCli(
    ["calls", "make", "--from", "+15550001111", "--to", "+15550005555", "--app", applicationId, "--wait"],
    env,
  );
  assert.equal(made.code, 0, describeRun(made));
  const callId = /call (CA[0-9a-f]{40}) queued/.exec(made.stdout)?.[1];
  assert.ok(callId, made.stdout);
  assert.match(made.stdout, /ended completed/);

  const failed = await runCli(
    [
      "calls",
      "make",
      "--from",
      "+15550001111",
      "--to",
      "+15550009999",
      "--app",
      applicationId,
      "--wait",
      "--json",
    ],
    env,
  );
  assert.equal(failed.code, 1, "a call that did not complete exits 1");
  assert.equal(JSON.parse(failed.stdout).status, "failed");

  const got = await runCli(["calls", "get", callId], env);
  assert.match(got.stdout, /status\s+completed/);
  assert.match(got.stdout, /direction\s+outboundAPI/);
  const list = await runCli(["calls", "list", "--to", "+15550005555", "--app", applicationId, "--json"], env);
  assert.equal(list.code, 0, describeRun(list));
  assert.deepEqual(
    JSON.parse(list.stdout).calls.map((c: { callId: string }) => c.callId),
    [callId],
  );
  const table = await runCli(["calls", "list", "--status", "failed"], env);
  assert.match(table.stdout, /failed\s+outboundAPI/);
  assert.match(table.stdout, /1 call\(s\)/);

  const hangup = await runCli(["calls", "hangup", callId], env);
  assert.notEqual(hangup.code, 0);
  assert.match(hangup.stderr, /409: call CA[0-9a-f]{40} has already ended: it is completed/);
  const bad = await runCli(
    ["calls", "make", "--from", "+15550001111", "--to", "555", "--app", applicationId],
    env,
  );
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /"to" must be an E\.164 number/);
});
