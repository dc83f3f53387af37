import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import type { CallStatus } from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import {
  type AppHit,
  FROM,
  openApiErrors,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { assertApiError, call, get, type Injected } from "./helpers.js";

/**
 * POST /Calls to virtual devices, and hanging calls up, on a SimulatedClock: a 30 s ring timeout
 * takes no real time. The clock leaps whenever nothing is in flight, so a test that must find a
 * call still ringing holds it still with clock.track() of a promise it resolves itself.
 */

let harness: TestBelay;
let clock: SimulatedClock;
let app: ScriptedApp;
let accountId: string;
let applicationId: string;
let appWithoutConnect: string;
/** What /connect answers; a test may swap it. */
let onConnect: (hit: AppHit) => unknown[] = () => [{ Hangup: {} }];

const BUSY = "+15550009001";
const NO_ANSWER = "+15550009002";
const ANSWERS = "+15550009003";
const NOBODY = "+15550009099";

before(async () => {
  clock = new SimulatedClock(Date.now());
  harness = await startBelay({ listen: false, clock });
  // The sweeper would only make simulated time leap faster; nothing here is privacyMode.
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
  app = await startScriptedApp({
    "/connect": (hit) => ({ body: onConnect(hit) }),
    "/other-connect": () => ({ body: [{ Hangup: {} }] }),
  });
  accountId = harness.belay.account.accountId;
  applicationId = newId("AP");
  appWithoutConnect = newId("AP");
  for (const [id, callConnectUrl] of [
    [applicationId, `${app.url}/connect`],
    [appWithoutConnect, null],
  ] as const) {
    await harness.belay.store.applications.create({
      applicationId: id,
      accountId,
      alias: null,
      voiceUrl: null,
      voiceFallbackUrl: null,
      callConnectUrl,
      statusCallbackUrl: `${app.url}/status`,
      smsUrl: null,
      smsFallbackUrl: null,
    });
  }
  for (const device of [
    { phoneNumber: BUSY, mode: "busy" },
    { phoneNumber: NO_ANSWER, mode: "noAnswer" },
    { phoneNumber: ANSWERS, answerAfterMs: 2000 },
  ]) {
    const created = await call(harness.belay, "POST", "/belay/v1/devices", { body: device });
    assert.equal(created.status, 201, created.body);
  }
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

const callsPath = () => `/apiserver/Accounts/${accountId}/Calls`;

function makeCall(body: Record<string, unknown>): Promise<Injected> {
  return call(harness.belay, "POST", callsPath(), { body });
}

/** Holds simulated time still until the returned function is called. */
function freeze(): () => void {
  let release!: () => void;
  void clock.track(new Promise<void>((resolve) => (release = resolve)));
  return release;
}

function whenStatus(callId: string, status: CallStatus): Promise<void> {
  const live = harness.belay.engine.get(callId);
  assert.ok(live, `call ${callId} is live`);
  if (live.status === status) return Promise.resolve();
  return new Promise((resolve) =>
    live.onTimeline((event) => {
      if (event.type === "status" && event.status === status) resolve();
    }),
  );
}

function assertCallResult(response: Injected, status: number): Record<string, unknown> {
  assert.equal(response.status, status, response.body);
  const body = response.json();
  assert.deepEqual(validate("CallResult", body), [], response.body);
  // SDK 3.1.3–4.1.x read callStatus; the OpenAPI names it status: both, one value.
  assert.equal(body.callStatus, body.status);
  return body;
}

/** Places a call and waits for its callStatus webhook; returns the webhooks the app got for it. */
async function placeAndFinish(body: Record<string, unknown>) {
  const from = app.hits.length;
  const placed = assertCallResult(await makeCall(body), 202);
  const status = await app.nextHit("/status", from);
  const hits = app.hits.slice(from).filter((h) => h.body.callId === placed.callId);
  return { placed, status, hits };
}

function assertWebhook(hit: AppHit | undefined, schema: string): Record<string, unknown> {
  assert.ok(hit);
  assert.deepEqual(openApiErrors(schema, hit.body), [], hit.rawBody);
  return hit.body;
}

describe("making a call", () => {
  test("202 queued, then ringing, answered, outDialApiConnect's PerCL, callStatus", async () => {
    onConnect = () => [{ Say: { text: "" } }, { Hangup: {} }];
    const { placed, status, hits } = await placeAndFinish({ from: FROM, to: ANSWERS, applicationId });
    assert.equal(placed.status, "queued");
    assert.equal(placed.direction, "outboundAPI");
    assert.equal(placed.applicationId, applicationId);
    assert.equal(placed.from, FROM);
    assert.equal(placed.to, ANSWERS);
    assert.equal(placed.connectTime, null);
    assert.equal(placed.uri, `/Accounts/${accountId}/Calls/${placed.callId}`);

    assert.deepEqual(
      hits.map((h) => h.path),
      ["/connect", "/status"],
    );
    const connect = assertWebhook(hits[0], "OutDialApiConnectWebhook");
    assert.deepEqual(
      [connect.requestType, connect.callStatus, connect.direction, connect.callId, connect.to],
      ["outDialApiConnect", "inProgress", "outboundAPI", placed.callId, ANSWERS],
    );
    const ended = assertWebhook(status, "CallStatusWebhook");
    assert.deepEqual([ended.callStatus, ended.callEndedReason], ["completed", "appHangup"]);

    const got = assertCallResult(await get(harness.belay, `${callsPath()}/${placed.callId}`), 200);
    assert.equal(got.status, "completed");
    assert.ok(got.connectTime, "connectTime is set");
    const row = await harness.belay.store.calls.get(accountId, placed.callId as string);
    assert.equal((row?.connectTime ?? 0) - (row?.startTime ?? 0), 2000, "the device rang for 2 s");
  });

  test("callConnectUrl in the request replaces the application's", async () => {
    const { hits } = await placeAndFinish({
      from: FROM,
      to: ANSWERS,
      applicationId,
      callConnectUrl: `${app.url}/other-connect`,
    });
    assert.deepEqual(
      hits.map((h) => h.path),
      ["/other-connect", "/status"],
    );
  });

  test("callConnectUrl alone: no application, so no callStatus webhook", async () => {
    const from = app.hits.length;
    const placed = assertCallResult(
      await makeCall({
        from: FROM,
        to: ANSWERS,
        callConnectUrl: `${app.url}/other-connect`,
        ifMachine: "hangup",
      }),
      202,
    );
    assert.equal(placed.applicationId, null);
    const ended = await harness.belay.engine.whenEnded(placed.callId as string);
    assert.equal(ended?.reason, "appHangup");
    await harness.belay.app.drainOutbox();
    assert.deepEqual(
      app.hits.slice(from).map((h) => h.path),
      ["/other-connect"],
    );
  });

  test("parentCallId alone: the parent's application answers, and the webhooks name the parent", async () => {
    const parent = await placeAndFinish({ from: FROM, to: ANSWERS, applicationId });
    const { placed, hits } = await placeAndFinish({
      from: FROM,
      to: ANSWERS,
      parentCallId: parent.placed.callId,
    });
    assert.equal(placed.parentCallId, parent.placed.callId);
    assert.equal(placed.applicationId, applicationId);
    assert.deepEqual(
      hits.map((h) => [h.path, h.body.parentCallId]),
      [
        ["/connect", parent.placed.callId],
        ["/status", parent.placed.callId],
      ],
    );
  });

  for (const [to, status, reason, extra] of [
    [BUSY, "busy", "busy", {}],
    [NO_ANSWER, "noAnswer", "noAnswer", { timeout: 5 }],
    [NOBODY, "failed", "failed", {}],
  ] as const) {
    test(`${reason}: outDialApiConnect reports ${status}, then callStatus ${reason}`, async () => {
      const {
        placed,
        status: ended,
        hits,
      } = await placeAndFinish({ from: FROM, to, applicationId, ...extra });
      assert.deepEqual(
        hits.map((h) => h.path),
        ["/connect", "/status"],
      );
      const connect = assertWebhook(hits[0], "OutDialApiConnectWebhook");
      assert.equal(connect.callStatus, status);
      const body = assertWebhook(ended, "CallStatusWebhook");
      assert.deepEqual([body.callStatus, body.callEndedReason], [status, reason]);
      const row = await harness.belay.store.calls.get(accountId, placed.callId as string);
      assert.equal(row?.status, status);
      if (reason === "noAnswer") assert.equal((row?.endTime ?? 0) - (row?.startTime ?? 0), 5000);
    });
  }
});

describe("hanging up", () => {
  test('a ringing call: "completed" is 409, "canceled" ends it as canceled / callCanceled', async () => {
    const release = freeze();
    const from = app.hits.length;
    const placed = assertCallResult(await makeCall({ from: FROM, to: NO_ANSWER, applicationId }), 202);
    const path = `${callsPath()}/${placed.callId}`;
    await whenStatus(placed.callId as string, "ringing");
    assertApiError(await call(harness.belay, "POST", path, { body: { status: "completed" } }), 409, {
      code: 9,
      messageMatches: /is ringing/,
    });
    const canceled = assertCallResult(
      await call(harness.belay, "POST", path, { body: { status: "canceled" } }),
      202,
    );
    assert.equal(canceled.status, "canceled");
    release();
    const status = assertWebhook(await app.nextHit("/status", from), "CallStatusWebhook");
    assert.deepEqual([status.callStatus, status.callEndedReason], ["canceled", "callCanceled"]);
    assertApiError(await call(harness.belay, "POST", path, { body: { status: "canceled" } }), 409, {
      messageMatches: /already ended: it is canceled/,
    });
  });

  test('a call in progress: "canceled" is 409, "completed" hangs it up', async () => {
    let release: (() => void) | undefined;
    onConnect = () => {
      release = freeze();
      return [{ Pause: { length: 60_000 } }];
    };
    const from = app.hits.length;
    const placed = assertCallResult(await makeCall({ from: FROM, to: ANSWERS, applicationId }), 202);
    const path = `${callsPath()}/${placed.callId}`;
    await app.nextHit("/connect", from);
    await whenStatus(placed.callId as string, "inProgress");
    assertApiError(await call(harness.belay, "POST", path, { body: { status: "canceled" } }), 409, {
      messageMatches: /is inProgress/,
    });
    const completed = assertCallResult(
      await call(harness.belay, "POST", path, { body: { status: "completed" } }),
      202,
    );
    assert.equal(completed.status, "completed");
    release?.();
    const status = assertWebhook(await app.nextHit("/status", from), "CallStatusWebhook");
    assert.deepEqual([status.callStatus, status.callEndedReason], ["completed", "callCanceled"]);
  });

  test("a stored call this process is not running: 409; an unknown call: 404 code 67", async () => {
    const callId = newId("CA");
    await harness.belay.store.calls.create({
      callId,
      accountId,
      parentCallId: null,
      applicationId: null,
      phoneNumberId: null,
      from: FROM,
      to: ANSWERS,
      direction: "outboundAPI",
      status: "inProgress",
      callEndedReason: null,
      startTime: 0,
      connectTime: 0,
      endTime: null,
    });
    assertApiError(
      await call(harness.belay, "POST", `${callsPath()}/${callId}`, { body: { status: "completed" } }),
      409,
      { messageMatches: /not live in this Belay process/ },
    );
    const unknown = `${callsPath()}/${newId("CA")}`;
    assertApiError(await call(harness.belay, "POST", unknown, { body: { status: "completed" } }), 404, {
      code: 67,
    });
    assertApiError(await get(harness.belay, unknown), 404, { code: 67 });
  });

  test("an update that is not canceled or completed: 400 naming status", async () => {
    const error = assertApiError(
      await call(harness.belay, "POST", `${callsPath()}/${newId("CA")}`, { body: { status: "ringing" } }),
      400,
    );
    assert.equal(error.details.field, "status");
  });
});

describe("requests Belay refuses", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["to is not E.164", { from: FROM, to: "5550009003" }, "to"],
    ["from is missing", { to: ANSWERS }, "from"],
    ["applicationId is malformed", { from: FROM, to: ANSWERS, applicationId: "AP123" }, "applicationId"],
    [
      "timeout is 0",
      { from: FROM, to: ANSWERS, callConnectUrl: "http://127.0.0.1:1/c", timeout: 0 },
      "timeout",
    ],
    [
      "timeout is 121",
      { from: FROM, to: ANSWERS, callConnectUrl: "http://127.0.0.1:1/c", timeout: 121 },
      "timeout",
    ],
    [
      "timeout is a string",
      { from: FROM, to: ANSWERS, callConnectUrl: "http://127.0.0.1:1/c", timeout: "30" },
      "timeout",
    ],
    ["callConnectUrl is relative", { from: FROM, to: ANSWERS, callConnectUrl: "/connect" }, "callConnectUrl"],
    ["applicationId is empty", { from: FROM, to: ANSWERS, applicationId: "" }, "applicationId"],
    ["parentCallId is malformed", { from: FROM, to: ANSWERS, parentCallId: "CA1" }, "parentCallId"],
    ["neither callConnectUrl nor applicationId", { from: FROM, to: ANSWERS }, "callConnectUrl"],
  ];
  for (const [what, body, field] of cases) {
    test(`${what}: 400 naming ${field}`, async () => {
      const error = assertApiError(await makeCall(body), 400, { code: 20 });
      assert.equal(error.details.field, field, error.message);
      assert.match(error.message, new RegExp(`"${field}"`));
    });
  }

  test("sendDigits outside 0-9 * # {n}: 400 naming sendDigits", async () => {
    const error = assertApiError(
      await makeCall({ from: FROM, to: ANSWERS, applicationId, sendDigits: "12ab" }),
      400,
    );
    assert.equal(error.details.field, "sendDigits");
  });

  test("an application that is not this account's, or has no callConnectUrl: 400 naming the field", async () => {
    const unknown = assertApiError(
      await makeCall({ from: FROM, to: ANSWERS, applicationId: newId("AP") }),
      400,
    );
    assert.equal(unknown.details.field, "applicationId");
    assert.match(unknown.message, /is not an application of this account/);
    const bare = assertApiError(
      await makeCall({ from: FROM, to: ANSWERS, applicationId: appWithoutConnect }),
      400,
    );
    assert.equal(bare.details.field, "callConnectUrl");
    assert.match(bare.message, new RegExp(`application ${appWithoutConnect} has none`));
    const parent = assertApiError(
      await makeCall({ from: FROM, to: ANSWERS, applicationId, parentCallId: newId("CA") }),
      400,
    );
    assert.equal(parent.details.field, "parentCallId");
  });

  test("a malformed call id in the path: 400", async () => {
    assertApiError(await get(harness.belay, `${callsPath()}/CA123`), 400);
    assertApiError(
      await call(harness.belay, "POST", `${callsPath()}/nope`, { body: { status: "canceled" } }),
      400,
    );
  });

  test("another account's path: 403, and no call is placed", async () => {
    const before = await harness.belay.store.calls.list(accountId);
    assertApiError(
      await call(harness.belay, "POST", `/apiserver/Accounts/${newId("AC")}/Calls`, {
        body: { from: FROM, to: ANSWERS, applicationId },
      }),
      403,
    );
    assert.equal((await harness.belay.store.calls.list(accountId)).total, before.total);
  });
});
