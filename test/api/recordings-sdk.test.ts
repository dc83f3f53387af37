import assert from "node:assert/strict";
import { createRequire } from "node:module";
import type { Readable } from "node:stream";
import { after, before, test } from "node:test";
import {
  openApiErrors,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TLS_FIXTURE,
} from "../e2e/harness.js";
import { get, recordingRoutes, seedCall } from "./helpers.js";

/**
 * FreeClimb's own SDK (@freeclimb/sdk 2.1.3) against Belay's recording endpoints: list with
 * filters, the next page, get, stream and delete. The SDK speaks HTTPS only (its https.Agent), so
 * Belay serves the test certificate.
 */

interface RecordingsApi {
  getList(filters?: Record<string, unknown>): Promise<Record<string, unknown>>;
  getNextPage(uri: string): Promise<Record<string, unknown>>;
  get(id: string): Promise<Record<string, unknown>>;
  stream(id: string): Promise<Readable>;
  delete(id: string): Promise<null>;
}

let harness: TestBelay;
let app: ScriptedApp;
let sdk: RecordingsApi;
let callId: string;
let recordingIds: string[];

before(async () => {
  harness = await startBelay({
    tls: TLS_FIXTURE,
  });
  app = await startScriptedApp(recordingRoutes(3));
  ({ callId, recordingIds } = await seedCall(harness.belay, app));
  await seedCall(harness.belay, app);
  const require = createRequire(import.meta.url);
  const { accountId, apiKey } = harness.belay.account;
  const freeclimb = require("@freeclimb/sdk")(accountId, apiKey);
  freeclimb.api.setApiUrl(`${harness.belay.publicUrl()}/apiserver`);
  sdk = freeclimb.api.recordings as RecordingsApi;
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test("getList with filters, and getNextPage through nextPageUri", async () => {
  const all = await sdk.getList();
  assert.deepEqual(openApiErrors("RecordingList", all), []);
  assert.equal(all.total, 6);
  const ofCall = await sdk.getList({ callId, pageSize: 2 });
  assert.equal(ofCall.total, 3);
  assert.equal((ofCall.recordings as unknown[]).length, 2);
  const rest = await sdk.getNextPage(ofCall.nextPageUri as string);
  assert.deepEqual(openApiErrors("RecordingList", rest), []);
  const ids = [
    ...(ofCall.recordings as Array<{ recordingId: string }>),
    ...(rest.recordings as Array<{ recordingId: string }>),
  ]
    .map((r) => r.recordingId)
    .sort();
  assert.deepEqual(ids, [...recordingIds].sort());
  const dayOf = (r: { dateCreated: string }) => new Date(r.dateCreated).toISOString().slice(0, 10);
  const listed = all.recordings as Array<{ dateCreated: string }>;
  const day = dayOf(listed[0] as { dateCreated: string });
  const sameDay = listed.filter((r) => dayOf(r) === day).length;
  assert.equal((await sdk.getList({ dateCreated: day })).total, sameDay);
  await assert.rejects(sdk.getList({ dateCreated: "2026-02-31" }), /400.*dateCreated/);
});

test("get and stream: the metadata, and the same bytes as Download", async () => {
  const id = recordingIds[0] as string;
  const recording = await sdk.get(id);
  assert.deepEqual(openApiErrors("RecordingResult", recording), []);
  assert.equal(recording.callId, callId);
  const streamed = await bytes(await sdk.stream(id));
  const download = await get(
    harness.belay,
    `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings/${id}/Download`,
  );
  assert.deepEqual(streamed, download.rawPayload);
});

test("delete, then get and stream reject with the 404", async () => {
  const id = recordingIds[1] as string;
  assert.equal(await sdk.delete(id), null);
  await assert.rejects(sdk.get(id), /404.*"code":68/);
  await assert.rejects(sdk.stream(id), /404.*"code":68/);
  await assert.rejects(sdk.delete(id), /404/);
});
