import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import {
  FROM,
  openApiErrors,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TLS_FIXTURE,
} from "../e2e/harness.js";

/**
 * FreeClimb's own SDK (@freeclimb/sdk 2.1.3) placing, listing and canceling calls on Belay. The
 * SDK speaks HTTPS only, so Belay serves the test certificate; real time, but nothing waits on it:
 * one device answers at once, the other is canceled as soon as it rings.
 */

interface CallsApi {
  create(
    to: string,
    from: string,
    applicationId: string,
    options?: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
  get(callId: string): Promise<Record<string, unknown>>;
  update(callId: string, status: string): Promise<null>;
  getList(filters?: Record<string, unknown>): Promise<Record<string, unknown>>;
  getNextPage(uri: string): Promise<Record<string, unknown>>;
}

const ANSWERS = "+15550006001";
const RINGS = "+15550006002";

let harness: TestBelay;
let app: ScriptedApp;
let sdk: CallsApi;
let applicationId: string;

before(async () => {
  harness = await startBelay({
    tls: TLS_FIXTURE,
  });
  app = await startScriptedApp({ "/connect": () => ({ body: [{ Hangup: {} }] }) });
  const { accountId, apiKey } = harness.belay.account;
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
  for (const [phoneNumber, mode] of [
    [ANSWERS, "answer"],
    [RINGS, "noAnswer"],
  ] as const) {
    await harness.belay.store.devices.create({
      accountId,
      phoneNumber,
      mode,
      answerAfterMs: 0,
      audioBlobKey: null,
      audioSamples: 0,
      audioAtMs: 0,
      dtmf: [],
      hangupAtMs: null,
    });
  }
  const require = createRequire(import.meta.url);
  const freeclimb = require("@freeclimb/sdk")(accountId, apiKey);
  freeclimb.api.setApiUrl(`${harness.belay.publicUrl()}/apiserver`);
  sdk = freeclimb.api.calls as CallsApi;
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

test("create places the call; it connects and ends with callStatus", async () => {
  const from = app.hits.length;
  const created = await sdk.create(ANSWERS, FROM, applicationId, { timeout: 10, sendDigits: "1" });
  assert.deepEqual(openApiErrors("CallResult", created), []);
  assert.deepEqual(
    [created.status, created.direction, created.applicationId],
    ["queued", "outboundAPI", applicationId],
  );
  const status = await app.nextHit("/status", from);
  assert.deepEqual([status.body.callId, status.body.callEndedReason], [created.callId, "appHangup"]);
  const got = await sdk.get(created.callId as string);
  assert.equal(got.status, "completed");
});

test("update canceled hangs up a ringing call; getList filters and pages", async () => {
  const from = app.hits.length;
  const created = await sdk.create(RINGS, FROM, applicationId);
  const callId = created.callId as string;
  const live = harness.belay.engine.get(callId);
  assert.ok(live);
  if (live.status !== "ringing")
    await new Promise<void>((resolve) =>
      live.onTimeline((e) => {
        if (e.type === "status" && e.status === "ringing") resolve();
      }),
    );
  assert.equal(await sdk.update(callId, "canceled"), null);
  const status = await app.nextHit("/status", from);
  assert.deepEqual([status.body.callStatus, status.body.callEndedReason], ["canceled", "callCanceled"]);
  await assert.rejects(sdk.update(callId, "canceled"), /409/);

  const canceled = await sdk.getList({ status: "canceled", to: RINGS });
  assert.deepEqual(openApiErrors("CallList", canceled), []);
  assert.deepEqual(
    (canceled.calls as Array<{ callId: string }>).map((c) => c.callId),
    [callId],
  );
  const first = await sdk.getList({ applicationId, pageSize: 1 });
  assert.equal(first.total, 2);
  const rest = await sdk.getNextPage(first.nextPageUri as string);
  assert.deepEqual(openApiErrors("CallList", rest), []);
  assert.equal((rest.calls as unknown[]).length, 1);
  assert.equal(rest.nextPageUri, null);
});
