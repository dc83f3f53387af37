import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { newApiKey, newId } from "../../src/contract/ids.js";
import { get, recordingRoutes, seedCall } from "../api/helpers.js";
import {
  openApiErrors,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  tempDir,
} from "../e2e/harness.js";
import { describeRun, runCli } from "./run-cli.js";

/** `belay recordings list|get|download|delete|link` against a running Belay, as a user types them. */

let harness: TestBelay;
let app: ScriptedApp;
let folder: Awaited<ReturnType<typeof tempDir>>;
let callId: string;
let recordingIds: string[];
let otherCall: { callId: string; recordingIds: string[] };

before(async () => {
  harness = await startBelay({ listen: true });
  app = await startScriptedApp(recordingRoutes(2));
  ({ callId, recordingIds } = await seedCall(harness.belay, app));
  otherCall = await seedCall(harness.belay, app);
  folder = await tempDir("cli-recordings");
});

after(async () => {
  await app?.close();
  await harness?.stop();
  await folder?.remove();
});

function cli(...args: string[]) {
  const { accountId, apiKey } = harness.belay.account;
  return runCli([
    "recordings",
    ...args,
    "--api-url",
    harness.belay.publicUrl(),
    "--account-id",
    accountId,
    "--api-key",
    apiKey,
  ]);
}

async function ok(...args: string[]): Promise<string> {
  const run = await cli(...args);
  assert.equal(run.code, 0, describeRun(run));
  return run.stdout;
}

async function fails(pattern: RegExp, ...args: string[]): Promise<void> {
  const run = await cli(...args);
  assert.notEqual(run.code, 0, describeRun(run));
  assert.match(run.stderr, pattern, describeRun(run));
  assert.equal(run.stdout, "");
}

/** The UTC day the other call's recordings were made on, as the API dates them. */
async function dayOfOtherCall(): Promise<string> {
  const { accountId } = harness.belay.account;
  const response = await get(
    harness.belay,
    `/apiserver/Accounts/${accountId}/Recordings/${otherCall.recordingIds[0]}`,
  );
  return new Date(response.json<{ dateCreated: string }>().dateCreated).toISOString().slice(0, 10);
}

test("list: a table of every recording, then filtered by call and by day; --json is the API's list", async () => {
  const all = await ok("list");
  assert.match(all, /^RECORDING\s+CALL\s+DURATION\s+CREATED\n/);
  for (const id of [...recordingIds, ...otherCall.recordingIds]) assert.ok(all.includes(id), id);
  assert.match(all, /\n4 recording\(s\)\n$/);

  const byCall = await ok("list", "--call-id", callId);
  assert.match(byCall, /\n2 recording\(s\)\n$/);
  assert.ok(!otherCall.recordingIds.some((id) => byCall.includes(id)));

  const listed = JSON.parse(
    await ok("list", "--json", "--date", await dayOfOtherCall(), "--call-id", otherCall.callId),
  );
  assert.deepEqual(openApiErrors("RecordingList", listed), []);
  assert.deepEqual(
    listed.recordings.map((r: { recordingId: string }) => r.recordingId).sort(),
    [...otherCall.recordingIds].sort(),
  );
  assert.match(await ok("list", "--date", "2001-01-01"), /\n0 recording\(s\)\n$/);
});

test("list: a bad --date prints the API's message and exits non-zero", async () => {
  await fails(/400.*"dateCreated" must be a real day written YYYY-MM-DD/, "list", "--date", "2026-02-31");
  await fails(/not a call id/, "list", "--call-id", "CA123");
});

test("get: the metadata as fields, or --json validated against FreeClimb's schema", async () => {
  const id = recordingIds[0] as string;
  const shown = await ok("get", id);
  assert.match(shown, new RegExp(`^recordingId\\s+${id}$`, "m"));
  assert.match(shown, new RegExp(`^callId\\s+${callId}$`, "m"));
  const parsed = JSON.parse(await ok("get", id, "--json"));
  assert.deepEqual(openApiErrors("RecordingResult", parsed), []);
  assert.equal(parsed.recordingId, id);
});

test("download: the WAV, byte for byte as the API serves it", async () => {
  const id = recordingIds[0] as string;
  const file = path.join(folder.dir, "saved.wav");
  assert.equal(await ok("download", id, "-o", file), `saved ${file}\n`);
  const served = await get(
    harness.belay,
    `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${id}/Download`,
  );
  assert.deepEqual(await readFile(file), served.rawPayload);
});

test("link: prints a URL that downloads the WAV with no credentials; --json has the expiry", async () => {
  const id = recordingIds[1] as string;
  const run = await cli("link", id, "--expires-in", "120");
  assert.equal(run.code, 0, describeRun(run));
  const url = run.stdout.trim();
  assert.match(
    url,
    /^http:\/\/127\.0\.0\.1:\d+\/belay\/v1\/recording-links\/AC[0-9a-f]{40}\/RE[0-9a-f]{40}\.wav\?expires=\d+&signature=[0-9a-f]{64}$/,
  );
  assert.match(run.stderr, /^expires \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\n$/);
  const response = await fetch(url);
  assert.equal(response.status, 200);
  const served = await get(
    harness.belay,
    `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${id}/Download`,
  );
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), served.rawPayload);

  const minted = JSON.parse(await ok("link", id, "--json"));
  assert.deepEqual(Object.keys(minted).sort(), ["expiresAt", "expiresInSec", "url"]);
  assert.equal(minted.expiresInSec, 3600);
});

test("link: an expiry the API refuses, or not whole seconds, fails with the reason", async () => {
  const id = recordingIds[1] as string;
  await fails(/400.*expiresInSec/, "link", id, "--expires-in", "0");
  await fails(/400.*expiresInSec/, "link", id, "--expires-in", "604801");
  await fails(/whole seconds/, "link", id, "--expires-in", "1.5");
});

test("delete: the recording goes; asking for it again prints the API's 404", async () => {
  const id = otherCall.recordingIds[0] as string;
  assert.equal(await ok("delete", id), `deleted ${id}\n`);
  await fails(new RegExp(`404: recording ${id} not found`), "get", id);
  await fails(new RegExp(`404: recording ${id} not found`), "delete", id);
});

test("bad ids and wrong credentials: a usage error or the API's message, exit non-zero", async () => {
  for (const command of ["get", "download", "delete", "link"]) {
    await fails(/not a recording id/, command, "RE123");
  }
  await fails(/404: recording RE[0-9a-f]{40} not found/, "get", newId("RE"));
  const { accountId } = harness.belay.account;
  const wrong = await runCli([
    "recordings",
    "list",
    "--api-url",
    harness.belay.publicUrl(),
    "--account-id",
    accountId,
    "--api-key",
    newApiKey(),
  ]);
  assert.notEqual(wrong.code, 0, describeRun(wrong));
  assert.match(wrong.stderr, /401: the account id or API key is wrong/);
});
