import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { readWav } from "../../src/media/wav-read.js";
import type { AccountRow } from "../../src/store/types.js";
import {
  basicAuth,
  createAccount,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { assertApiError, get, recordingRoutes, seedCall } from "./helpers.js";

/** Who may download a recording, and what everyone else is told. */

let harness: TestBelay;
let app: ScriptedApp;
let other: AccountRow;
let recordingId: string;
let downloadPath: string;

before(async () => {
  harness = await startBelay({ listen: false });
  app = await startScriptedApp(recordingRoutes(1));
  const call = await seedCall(harness.belay, app);
  assert.equal(call.recordingIds.length, 1);
  recordingId = call.recordingIds[0] as string;
  downloadPath = `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${recordingId}/Download`;
  other = await createAccount(harness.belay, "other");
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

test("the owner downloads the WAV with Basic auth", async () => {
  const response = await get(harness.belay, downloadPath);
  assert.equal(response.status, 200);
  assert.equal(response.headers["content-type"], "audio/wav");
  const row = await harness.belay.store.recordings.get(harness.belay.account.accountId, recordingId);
  assert.equal(response.rawPayload.length, row?.sizeBytes);
  assert.equal(Number(response.headers["content-length"]), row?.sizeBytes);
  assert.equal(readWav(response.rawPayload).pcm8k.length * 2 + 44, row?.sizeBytes);
});

test("no credentials: 401 with a Basic challenge", async () => {
  const response = await get(harness.belay, downloadPath, null);
  assertApiError(response, 401, { url: downloadPath });
  assert.equal(response.headers["www-authenticate"], 'Basic realm="Belay"');
});

test("a wrong API key, an unknown account, or another scheme: 401", async () => {
  const { accountId, apiKey } = harness.belay.account;
  for (const authorization of [
    basicAuth(accountId, `${apiKey}x`),
    basicAuth(accountId, ""),
    basicAuth(newId("AC"), apiKey),
    basicAuth("not-an-account", apiKey),
    `Bearer ${apiKey}`,
    "Basic !!!",
  ]) {
    const response = await get(harness.belay, downloadPath, authorization);
    assertApiError(response, 401);
    assert.equal(response.headers["www-authenticate"], 'Basic realm="Belay"', authorization);
  }
});

test("another account's credentials on the owner's path: 403", async () => {
  const response = await get(harness.belay, downloadPath, basicAuth(other.accountId, other.apiKey));
  assertApiError(response, 403);
});

test("another account asking under its own path: 404 with FreeClimb's code 68", async () => {
  const path = `/apiserver/Accounts/${other.accountId}/Recordings/${recordingId}/Download`;
  const auth = basicAuth(other.accountId, other.apiKey);
  assertApiError(await get(harness.belay, path, auth), 404, { code: 68 });
  const metadata = `/apiserver/Accounts/${other.accountId}/Recordings/${recordingId}`;
  assertApiError(await get(harness.belay, metadata, auth), 404, { code: 68 });
  const list = await get(harness.belay, `/apiserver/Accounts/${other.accountId}/Recordings`, auth);
  assert.equal(list.status, 200);
  assert.deepEqual([list.json().total, list.json().recordings], [0, []]);
});

test("a recording id that does not exist: 404 code 68", async () => {
  const path = `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${newId("RE")}/Download`;
  assertApiError(await get(harness.belay, path), 404, { code: 68, url: path });
});

test("a malformed recording id: 400 naming the field", async () => {
  for (const bad of ["RE123", `CA${recordingId.slice(2)}`, `${recordingId}0`, recordingId.toUpperCase()]) {
    const path = `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${bad}/Download`;
    const error = assertApiError(await get(harness.belay, path), 400);
    assert.equal(error.details.field, "recordingId", bad);
    assert.match(error.message, /recording id/);
  }
});

test("a malformed account id in the path: 400", async () => {
  const error = assertApiError(await get(harness.belay, `/apiserver/Accounts/AC123/Recordings`), 400);
  assert.match(error.message, /account id/);
});
