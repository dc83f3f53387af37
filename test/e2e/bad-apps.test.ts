import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { verifySignature } from "../../src/contract/signature.js";
import { resolveConfig } from "../../src/server/config.js";
import {
  type AppAnswer,
  authOf,
  closedPort,
  eventOf,
  FROM,
  openApiErrors,
  placeVirtualCall,
  type ScriptedApp,
  sortedCompactJson,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TO,
} from "./harness.js";

/**
 * Apps that answer badly, over real HTTP: each failure ends the call with the callEndedReason
 * docs/contract.md §4 names, the callStatus webhook still goes out, recordings made before the
 * failure stay, and Belay keeps serving.
 */

const WEBHOOK_TIMEOUT_MS = 400;

let harness: TestBelay;
let app: ScriptedApp;
/** What /voice answers in the current test. */
let voiceAnswer: AppAnswer;
/** What /recorded answers in the current test. */
let recordedAnswer: AppAnswer;
/** What /fallback (an application's voiceFallbackUrl) answers in the current test. */
let fallbackAnswer: AppAnswer;
/** Valid PerCL, padded with white space past the 1 MB cap on an answer. */
const OVER_1_MB = `[{"Hangup":{}}${" ".repeat(1024 * 1024)}]`;

before(async () => {
  harness = await startBelay({ webhookTimeoutMs: WEBHOOK_TIMEOUT_MS });
  app = await startScriptedApp({
    "/voice": () => voiceAnswer,
    "/recorded": () => recordedAnswer,
    "/fallback": () => fallbackAnswer,
    "/status": () => ({ body: "" }),
  });
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

function call(extra: Record<string, unknown> = {}) {
  return placeVirtualCall(harness.belay, {
    appUrl: `${app.url}/voice`,
    statusUrl: `${app.url}/status`,
    from: FROM,
    to: TO,
    fast: true,
    ...extra,
  });
}

/** The callStatus webhook of `callId`, once the outbox has delivered it. */
async function callStatusOf(callId: string): Promise<Record<string, unknown>> {
  await harness.belay.app.drainOutbox();
  const hits = app.hits.filter((h) => h.path === "/status" && h.body.callId === callId);
  assert.equal(hits.length, 1, `one callStatus webhook for ${callId}`);
  const [hit] = hits as [(typeof hits)[number]];
  assert.equal(hit.rawBody, sortedCompactJson(hit.body));
  const now = Math.floor(Date.now() / 1000);
  assert.deepEqual(
    verifySignature(hit.signature ?? "", hit.rawBody, [harness.belay.account.signingSecret], now),
    {
      ok: true,
    },
  );
  assert.deepEqual(openApiErrors("CallStatusWebhook", hit.body), []);
  return hit.body;
}

async function assertStillServing(): Promise<void> {
  const health = await fetch(`${harness.belay.publicUrl()}/healthz`);
  assert.deepEqual(await health.json(), { ok: true, liveCalls: 0 });
  voiceAnswer = { body: [{ Hangup: {} }] };
  const next = await call();
  assert.equal(next.result.reason, "appHangup", "a good call right after works");
}

const FIRST_WEBHOOK_FAILURES: Array<{ name: string; answer: AppAnswer; reason: string; message: RegExp }> = [
  {
    name: "answers 500",
    answer: { status: 500, body: "oops" },
    reason: "webhookFailed",
    message: /answered 500/,
  },
  {
    name: "answers 302",
    answer: { status: 302, body: "" },
    reason: "webhookFailed",
    message: /answered 302 \(redirects are not followed\)/,
  },
  {
    name: "answers a body that is not JSON",
    answer: { body: "<Response><Say>hi</Say></Response>", contentType: "text/xml" },
    reason: "webhookInvalidResponse",
    message: /not JSON/,
  },
  { name: "answers []", answer: { body: [] }, reason: "appNoPercl", message: /empty array/ },
  { name: "answers an empty body", answer: { body: "" }, reason: "appNoPercl", message: /empty body/ },
  {
    name: 'answers the unknown command "Sya"',
    answer: { body: [{ Sya: { text: "hello" } }] },
    reason: "appInvalidPercl",
    message: /Sya/,
  },
  {
    name: "answers GetDigits without actionUrl",
    answer: { body: [{ GetDigits: { maxDigits: 1 } }] },
    reason: "appInvalidPercl",
    message: /actionUrl/,
  },
  {
    name: "answers valid PerCL padded past 1 MB",
    answer: { body: OVER_1_MB },
    reason: "webhookFailed",
    message: /answered 200 and sent a response body over 1048576 bytes/,
  },
  {
    name: "never answers",
    answer: "hang",
    reason: "webhookFailed",
    message: new RegExp(`timed out after ${WEBHOOK_TIMEOUT_MS} ms`),
  },
];

describe("the inboundCall webhook fails", () => {
  for (const { name, answer, reason, message } of FIRST_WEBHOOK_FAILURES) {
    test(`the app ${name} → ${reason}`, async () => {
      voiceAnswer = answer;
      const started = performance.now();
      const run = await call();
      const elapsed = performance.now() - started;
      assert.equal(run.result.reason, reason);
      assert.equal(run.result.status, "failed", "never answered");
      assert.match(run.result.message ?? "", message);
      assert.match(run.result.message ?? "", new RegExp(`POST ${app.url}/voice`));
      const webhook = eventOf(run.events, "webhook");
      assert.equal(webhook.ok, false);
      assert.equal(webhook.requestType, "inboundCall");
      if (answer === "hang") {
        assert.ok(elapsed >= WEBHOOK_TIMEOUT_MS, `gave up after ${elapsed} ms`);
        assert.ok(elapsed < WEBHOOK_TIMEOUT_MS + 2000, `gave up after ${elapsed} ms`);
      }
      const status = await callStatusOf(run.result.callId as string);
      assert.deepEqual([status.callEndedReason, status.callStatus], [reason, "failed"]);
      await assertStillServing();
    });
  }

  test("the app's port is closed → webhookFailed naming the URL", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/voice`;
    const run = await placeVirtualCall(harness.belay, {
      appUrl: url,
      statusUrl: `${app.url}/status`,
      from: FROM,
      to: TO,
      fast: true,
    });
    assert.equal(run.result.reason, "webhookFailed");
    assert.match(run.result.message ?? "", new RegExp(`POST ${url} failed: .*ECONNREFUSED`));
    const status = await callStatusOf(run.result.callId as string);
    assert.equal(status.callEndedReason, "webhookFailed");
    await assertStillServing();
  });
});

describe("an inboundCall answer over 1 MB is a failed fetch, as on FreeClimb", () => {
  /** A number whose application answers from /voice, falling back to /fallback. */
  async function numberWithFallback(phoneNumber: string): Promise<void> {
    const { store, account } = harness.belay;
    const application = await store.applications.create({
      applicationId: newId("AP"),
      accountId: account.accountId,
      alias: phoneNumber,
      voiceUrl: `${app.url}/voice`,
      voiceFallbackUrl: `${app.url}/fallback`,
      callConnectUrl: null,
      statusCallbackUrl: `${app.url}/status`,
      smsUrl: null,
      smsFallbackUrl: null,
    });
    await store.numbers.create({
      phoneNumberId: newId("PN"),
      accountId: account.accountId,
      phoneNumber,
      alias: null,
      applicationId: application.applicationId,
    });
  }

  before(() => numberWithFallback("+15550008888"));

  test("voiceFallbackUrl is tried, and its PerCL runs the call", async () => {
    voiceAnswer = { body: OVER_1_MB };
    fallbackAnswer = { body: [{ Say: { text: "From the fallback." } }, { Hangup: {} }] };
    const before = app.hits.length;
    const run = await placeVirtualCall(harness.belay, { from: FROM, to: "+15550008888", fast: true });
    assert.equal(run.result.reason, "appHangup");
    assert.deepEqual(
      app.hits.slice(before, before + 2).map((h) => h.path),
      ["/voice", "/fallback"],
    );
    const webhook = eventOf(run.events, "webhook", (w) => w.requestType === "inboundCall");
    assert.deepEqual([webhook.url, webhook.ok, webhook.status], [`${app.url}/fallback`, true, 200]);
    eventOf(run.events, "command", (c) => c.name === "Say");
  });

  test("when the fallback answers over 1 MB too, the call ends with webhookFailed naming both", async () => {
    voiceAnswer = { body: OVER_1_MB };
    fallbackAnswer = { body: OVER_1_MB };
    const run = await placeVirtualCall(harness.belay, { from: FROM, to: "+15550008888", fast: true });
    assert.equal(run.result.reason, "webhookFailed");
    assert.equal(run.result.status, "failed");
    assert.equal(
      run.result.message,
      `POST ${app.url}/fallback answered 200 and sent a response body over 1048576 bytes, ` +
        `after POST ${app.url}/voice answered 200 and sent a response body over 1048576 bytes`,
    );
    const status = await callStatusOf(run.result.callId as string);
    assert.deepEqual([status.callEndedReason, status.callStatus], ["webhookFailed", "failed"]);
    await assertStillServing();
  });
});

describe("a webhook fails after a recording was made", () => {
  for (const { name, answer, reason } of FIRST_WEBHOOK_FAILURES) {
    test(`the record webhook's app ${name}: the recording stays listed and downloadable`, async () => {
      voiceAnswer = {
        body: [{ RecordUtterance: { actionUrl: `${app.url}/recorded`, finishOnKey: "#" } }],
      };
      recordedAnswer = answer;
      const run = await call({ dtmf: [{ keys: "#", atMs: 1000 }] });
      assert.equal(run.result.reason, reason);
      assert.equal(run.result.status, "completed", "it was answered");
      const recording = eventOf(run.events, "recording");
      assert.equal(recording.termReason, "finishKey");
      const status = await callStatusOf(run.result.callId as string);
      assert.deepEqual([status.callEndedReason, status.callStatus], [reason, "completed"]);

      const { accountId } = harness.belay.account;
      const list = await fetch(
        `${harness.belay.publicUrl()}/apiserver/Accounts/${accountId}/Recordings?callId=${run.result.callId}`,
        { headers: { authorization: authOf(harness.belay) } },
      );
      const listed = (await list.json()) as { recordings: Array<{ recordingId: string }> };
      assert.deepEqual(
        listed.recordings.map((r) => r.recordingId),
        [recording.recordingId],
      );
      const wav = await fetch(recording.recordingUrl as string, {
        headers: { authorization: authOf(harness.belay) },
      });
      assert.equal(wav.status, 200);
      assert.equal((await wav.arrayBuffer()).byteLength, recording.sizeBytes);
      await assertStillServing();
    });
  }
});

test("the webhook time limit: 10 s by default, BELAY_WEBHOOK_TIMEOUT_MS or webhookTimeoutMs otherwise", () => {
  assert.equal(resolveConfig({}, {}).webhookTimeoutMs, 10_000);
  assert.equal(resolveConfig({}, { BELAY_WEBHOOK_TIMEOUT_MS: "2500" }).webhookTimeoutMs, 2500);
  assert.equal(
    resolveConfig({ webhookTimeoutMs: 300 }, { BELAY_WEBHOOK_TIMEOUT_MS: "2500" }).webhookTimeoutMs,
    300,
  );
  for (const bad of ["0", "-5", "1.5", "ten"]) {
    assert.throws(
      () => resolveConfig({}, { BELAY_WEBHOOK_TIMEOUT_MS: bad }),
      (err: Error & { code?: string }) =>
        err.code === "CONFIG_INVALID" && err.message.includes(`BELAY_WEBHOOK_TIMEOUT_MS "${bad}"`),
    );
  }
  assert.throws(() => resolveConfig({ webhookTimeoutMs: 0 }, {}), /webhookTimeoutMs must be/);
});
