import assert from "node:assert/strict";
import { access, unlink } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import type { AccountRow } from "../../src/store/types.js";
import {
  basicAuth,
  createAccount,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { assertApiError, call, get, recordingRoutes, seedCall } from "./helpers.js";

/** DELETE …/Recordings/{RE}: the file and the metadata go; every endpoint then answers 404 code 68. */

let harness: TestBelay;
let app: ScriptedApp;
let other: AccountRow;

before(async () => {
  harness = await startBelay({ listen: false });
  app = await startScriptedApp(recordingRoutes(2));
  other = await createAccount(harness.belay, "other");
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

const recordingsPath = () => `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings`;

async function filePathOf(recordingId: string): Promise<string> {
  const row = await harness.belay.store.recordings.get(harness.belay.account.accountId, recordingId);
  assert.ok(row, `recording ${recordingId} exists`);
  return path.join(harness.dataDir, "blobs", ...row.blobKey.split("/"));
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

test("DELETE: 204 with no body; the file and metadata are gone; the call's other recording stays", async () => {
  const { callId, recordingIds } = await seedCall(harness.belay, app);
  const [gone, kept] = recordingIds as [string, string];
  const file = await filePathOf(gone);
  assert.equal(await exists(file), true);

  const response = await call(harness.belay, "DELETE", `${recordingsPath()}/${gone}`);
  assert.equal(response.status, 204, response.body);
  assert.equal(response.body, "");
  assert.equal(await exists(file), false, "the WAV is deleted");
  assert.equal(await harness.belay.store.recordings.get(harness.belay.account.accountId, gone), undefined);

  for (const suffix of ["", "/Download", "/Stream"]) {
    const url = `${recordingsPath()}/${gone}${suffix}`;
    assertApiError(await get(harness.belay, url), 404, { code: 68, url });
  }
  assertApiError(await call(harness.belay, "DELETE", `${recordingsPath()}/${gone}`), 404, { code: 68 });
  const list = await get(harness.belay, `${recordingsPath()}?callId=${callId}`);
  assert.deepEqual(
    list.json<{ recordings: Array<{ recordingId: string }> }>().recordings.map((r) => r.recordingId),
    [kept],
  );
  const ofCall = await get(
    harness.belay,
    `/apiserver/Accounts/${harness.belay.account.accountId}/Calls/${callId}/Recordings`,
  );
  assert.equal(ofCall.json<{ total: number }>().total, 1);
  assert.equal((await get(harness.belay, `${recordingsPath()}/${kept}/Download`)).status, 200);
});

test("DELETE when the file is already gone still deletes the metadata", async () => {
  const { recordingIds } = await seedCall(harness.belay, app);
  const id = recordingIds[0] as string;
  await unlink(await filePathOf(id));
  assert.equal((await call(harness.belay, "DELETE", `${recordingsPath()}/${id}`)).status, 204);
  assert.equal(await harness.belay.store.recordings.get(harness.belay.account.accountId, id), undefined);
  assertApiError(await get(harness.belay, `${recordingsPath()}/${id}`), 404, { code: 68 });
});

test("DELETE errors: malformed id 400, unknown 404 code 68, other accounts 403/404, no auth 401", async () => {
  const { recordingIds } = await seedCall(harness.belay, app);
  const id = recordingIds[0] as string;
  for (const bad of ["RE123", newId("CA"), `${id}0`]) {
    const error = assertApiError(await call(harness.belay, "DELETE", `${recordingsPath()}/${bad}`), 400);
    assert.equal(error.details.field, "recordingId");
  }
  assertApiError(await call(harness.belay, "DELETE", `${recordingsPath()}/${newId("RE")}`), 404, {
    code: 68,
  });
  const auth = basicAuth(other.accountId, other.apiKey);
  assertApiError(
    await call(harness.belay, "DELETE", `${recordingsPath()}/${id}`, { authorization: auth }),
    403,
  );
  const theirs = `/apiserver/Accounts/${other.accountId}/Recordings/${id}`;
  assertApiError(await call(harness.belay, "DELETE", theirs, { authorization: auth }), 404, { code: 68 });
  const anonymous = await call(harness.belay, "DELETE", `${recordingsPath()}/${id}`, { authorization: null });
  assertApiError(anonymous, 401);
  assert.equal(anonymous.headers["www-authenticate"], 'Basic realm="Belay"');
  // None of that deleted anything.
  assert.equal(await exists(await filePathOf(id)), true);
  assert.equal((await get(harness.belay, `${recordingsPath()}/${id}/Download`)).status, 200);
});
