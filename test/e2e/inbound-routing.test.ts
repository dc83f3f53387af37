import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import { assertApiError, call } from "../api/helpers.js";
import {
  basicAuth,
  createAccount,
  FROM,
  placeVirtualCall,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "./harness.js";

/**
 * A call without an app URL is routed as every inbound call is: the number dialled → its
 * IncomingPhoneNumber → its application → voiceUrl. Numbers and applications are made in the
 * store directly; their REST endpoints have tests of their own.
 */

let harness: TestBelay;
let app: ScriptedApp;
const ROUTED = "+15550003333";
const NO_APP = "+15550004444";
const NO_VOICE_URL = "+15550005555";
const OTHER_ACCOUNTS = "+15550006666";
let applicationId: string;
let phoneNumberId: string;

before(async () => {
  harness = await startBelay();
  app = await startScriptedApp({
    "/voice": () => ({ body: [{ Say: { text: "Routed." } }, { Hangup: {} }] }),
  });
  const { store, account } = harness.belay;
  const accountId = account.accountId;
  const application = await store.applications.create({
    applicationId: newId("AP"),
    accountId,
    alias: "routed",
    voiceUrl: `${app.url}/voice`,
    voiceFallbackUrl: null,
    callConnectUrl: null,
    statusCallbackUrl: `${app.url}/status`,
    smsUrl: null,
    smsFallbackUrl: null,
  });
  applicationId = application.applicationId;
  const silent = await store.applications.create({
    ...application,
    applicationId: newId("AP"),
    alias: "no voiceUrl",
    voiceUrl: null,
    statusCallbackUrl: `${app.url}/status-silent`,
  });
  const number = (phoneNumber: string, appId: string | null, owner = accountId) =>
    store.numbers.create({
      phoneNumberId: newId("PN"),
      accountId: owner,
      phoneNumber,
      alias: null,
      applicationId: appId,
    });
  phoneNumberId = (await number(ROUTED, applicationId)).phoneNumberId;
  await number(NO_APP, null);
  await number(NO_VOICE_URL, silent.applicationId);
  const other = await createAccount(harness.belay, "other");
  await number(OTHER_ACCOUNTS, null, other.accountId);
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

test("a call to a number reaches its application's voiceUrl, and callStatus its statusCallbackUrl", async () => {
  const from = app.hits.length;
  const run = await placeVirtualCall(harness.belay, { from: FROM, to: ROUTED, fast: true });
  assert.equal(run.result.reason, "appHangup");
  const inbound = await app.nextHit("/voice", from);
  assert.equal(inbound.body.requestType, "inboundCall");
  assert.equal(inbound.body.to, ROUTED);
  const status = await app.nextHit("/status", from);
  assert.equal(status.body.callEndedReason, "appHangup");
  const row = await harness.belay.store.calls.get(
    harness.belay.account.accountId,
    run.result.callId as string,
  );
  assert.deepEqual([row?.applicationId, row?.phoneNumberId, row?.to], [applicationId, phoneNumberId, ROUTED]);
});

test("an application without a voiceUrl ends the call with configErrorNoVoiceUrl, and says so", async () => {
  const from = app.hits.length;
  const run = await placeVirtualCall(harness.belay, { from: FROM, to: NO_VOICE_URL, fast: true });
  assert.deepEqual([run.result.status, run.result.reason], ["failed", "configErrorNoVoiceUrl"]);
  assert.match(run.result.message ?? "", /has no voiceUrl/);
  const status = await app.nextHit("/status-silent", from);
  assert.equal(status.body.callEndedReason, "configErrorNoVoiceUrl");
  assert.equal(app.hits.slice(from).filter((h) => h.path === "/voice").length, 0);
});

test("a number without an application ends the call with configErrorNoApplication", async () => {
  const run = await placeVirtualCall(harness.belay, { from: FROM, to: NO_APP, fast: true });
  assert.deepEqual([run.result.status, run.result.reason], ["failed", "configErrorNoApplication"]);
  assert.match(run.result.message ?? "", /has no application/);
});

test("an unknown number, or another account's, is rejected with 404 before any call exists", async () => {
  const { belay } = harness;
  const before = (await belay.store.calls.list(belay.account.accountId)).total;
  for (const to of ["+15559999999", OTHER_ACCOUNTS]) {
    const response = await call(belay, "POST", "/belay/v1/virtual-calls", {
      body: { from: FROM, to, fast: true },
    });
    const error = assertApiError(response, 404, {
      code: 70,
      messageMatches: /no number \+1555\d+ in this account/,
    });
    assert.equal(error.details.field, "to");
  }
  assert.equal((await belay.store.calls.list(belay.account.accountId)).total, before);
});

test("the other account cannot route to this account's number either", async () => {
  const { belay } = harness;
  const other = (await belay.store.accounts.list()).find((a) => a.alias === "other");
  assert.ok(other);
  const response = await call(belay, "POST", "/belay/v1/virtual-calls", {
    body: { from: FROM, to: ROUTED, fast: true },
    authorization: basicAuth(other.accountId, other.apiKey),
  });
  assertApiError(response, 404, { code: 70 });
});
