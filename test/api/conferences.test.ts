import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, afterEach, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { buildApi } from "../../src/api/app.js";
import type { ConferenceControl } from "../../src/calls/conference-control.js";
import { newId } from "../../src/contract/ids.js";
import { parseRfc1123 } from "../../src/contract/rest.js";
import { readWav } from "../../src/media/wav-read.js";
import type { AccountRow, ParticipantRow, RecordingRow } from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import {
  type AppHit,
  basicAuth,
  createAccount,
  FROM,
  openApiErrors,
  pcmToBase64,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TLS_FIXTURE,
} from "../e2e/harness.js";
import { HeldClock } from "../helpers/held-clock.js";
import { validate } from "../helpers/openapi.js";
import { until } from "../helpers/until.js";
import { rmsDbfs, toInt16, whiteNoise } from "../media/signals.js";
import { assertApiError, type Injected } from "./helpers.js";

/**
 * The Conferences and Participants REST API, shaped as FreeClimb's OpenAPI and SDK have it, on
 * Belay's own API with its live conference engine. Participants are real calls: a virtual device
 * answers a POST /Calls whose callConnectUrl (an app over real HTTP) answers AddToConference.
 * Every test uses its own account, so lists see only that test's rows. Belay runs on a simulated
 * clock that stands still (HeldClock) except where a test lets it run: REST requests act at one
 * known instant, and a call moves only through `held.runFor`.
 */

const FEB_27_LATE = Date.UTC(2026, 1, 27, 23, 59, 50);
const DAY_MS = 24 * 3600 * 1000;
/** Simulated time for a POST /Calls to ring, answer, fetch AddToConference and join. */
const JOIN_MS = 500;
/** How long a test waits (real time) for a webhook that is already on its way. */
const WEBHOOK_WAIT_MS = 5000;

let harness: TestBelay;
let held: HeldClock;
/** The customer's app: AddToConference for each call, and every webhook Belay sends. */
let app: ScriptedApp;
const routes: Record<string, (hit: AppHit) => { body: unknown[] }> = {};
let STATUS_URL = "";

before(async () => {
  app = await startScriptedApp(routes);
  STATUS_URL = `${app.url}/conference-status`;
  held = new HeldClock(new SimulatedClock(FEB_27_LATE));
  // HTTPS on a real port: FreeClimb's SDK speaks HTTPS only.
  harness = await startBelay({ clock: held.clock, tls: TLS_FIXTURE });
  // Periodic jobs that would only add timers; the webhook outbox keeps running.
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
});

afterEach(async () => {
  // A live call keeps its conference's mixer ticking: nothing a test started outlives it.
  await harness.belay.engine.conferences.shutdown();
  await held.runFor(100);
  assert.equal(harness.belay.engine.liveCount(), 0, "every call has ended");
});

after(async () => {
  held?.letGo();
  await harness?.stop();
  await app?.close();
});

after(() => {
  // Every webhook Belay sent in this file is FreeClimb's shape.
  const schemas: Record<string, string> = {
    outDialApiConnect: "OutDialApiConnectWebhook",
    callStatus: "CallStatusWebhook",
    conferenceStatus: "ConferenceStatusWebhook",
    conferenceRecordingStatus: "ConferenceRecordingStatusWebhook",
    leaveConference: "LeaveConferenceWebhook",
    addToConferenceNotification: "AddToConferenceNotificationWebhook",
  };
  assert.ok(app.hits.length > 0);
  for (const hit of app.hits) {
    if (hit.path === "/hold.wav") continue; // a waitUrl fetch, not a webhook
    const schema = schemas[String(hit.body.requestType)];
    assert.ok(schema, `a schema for ${hit.body.requestType}`);
    assert.deepEqual(openApiErrors(schema, hit.body), [], `${hit.path}: ${hit.rawBody}`);
  }
});

type Method = "GET" | "POST" | "DELETE";

/** One request as `account` to `url` on Belay's API, or on `on`. */
async function request(
  account: AccountRow,
  method: Method,
  url: string,
  options: { body?: unknown; on?: FastifyInstance; authorization?: string | null } = {},
): Promise<Injected> {
  const authorization =
    options.authorization === undefined
      ? basicAuth(account.accountId, account.apiKey)
      : options.authorization;
  const response = await (options.on ?? harness.belay.api).inject({
    method,
    url,
    headers: authorization === null ? {} : { authorization },
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body,
    rawPayload: response.rawPayload,
    json: <T>() => response.json() as T,
  };
}

/** A request under /apiserver/Accounts/{account}. */
function send(
  account: AccountRow,
  method: Method,
  path: string,
  options: { body?: unknown; on?: FastifyInstance; authorization?: string | null } = {},
): Promise<Injected> {
  return request(account, method, `/apiserver/Accounts/${account.accountId}${path}`, options);
}

/** The body, after checking the status and that it is exactly FreeClimb's `schema`. */
function valid<T = Record<string, unknown>>(response: Injected, status: number, schema: string): T {
  assert.equal(response.status, status, response.body);
  const body = response.json<Record<string, unknown>>();
  assert.deepEqual(validate(schema, body), [], `${schema}: ${response.body}`);
  return body as T;
}

let accounts = 0;
const newAccount = () => createAccount(harness.belay, `conferences-${++accounts}`);

interface Conference {
  conferenceId: string;
  uri: string;
  alias: string | null;
  playBeep: string;
  record: boolean;
  status: string;
  waitUrl: string | null;
  statusCallbackUrl: string | null;
  revision: number;
  dateCreated: string;
  dateUpdated: string;
  subresourceUris: Record<string, string>;
}
interface Participant {
  callId: string;
  uri: string;
  talk: boolean;
  listen: boolean;
  dtmfPassThrough: boolean;
  revision: number;
}

async function createConference(
  account: AccountRow,
  body: Record<string, unknown> = {},
): Promise<Conference> {
  const response = await send(account, "POST", "/Conferences", {
    body: { statusCallbackUrl: STATUS_URL, ...body },
  });
  return valid<Conference>(response, 200, "ConferenceResult");
}

/** Each account's application: its statusCallbackUrl gets every call's callStatus. */
const applications = new Map<string, string>();
async function applicationOf(account: AccountRow): Promise<string> {
  const known = applications.get(account.accountId);
  if (known) return known;
  const created = valid<{ applicationId: string }>(
    await send(account, "POST", "/Applications", {
      body: { alias: "conference app", statusCallbackUrl: `${app.url}/call-status` },
    }),
    201,
    "ApplicationResult",
  );
  applications.set(account.accountId, created.applicationId);
  return created.applicationId;
}

let devices = 0;

/**
 * A real call in the conference: a virtual device (saying `voice`, if any, from its answer)
 * answers a POST /Calls, whose callConnectUrl answers AddToConference with `attrs`. Simulated time
 * runs JOIN_MS; then the participant is live and stored.
 */
async function join(
  account: AccountRow,
  conferenceId: string,
  attrs: Record<string, unknown> = {},
  voice?: Int16Array,
): Promise<ParticipantRow> {
  const n = ++devices;
  const to = `+1555${String(n).padStart(7, "0")}`;
  const device = await request(account, "POST", "/belay/v1/devices", {
    body: { phoneNumber: to, answerAfterMs: 0, ...(voice ? { audio: pcmToBase64(voice) } : {}) },
  });
  assert.equal(device.status, 201, device.body);
  routes[`/join/${n}`] = () => ({ body: [{ AddToConference: { conferenceId, ...attrs } }] });
  const placed = valid<{ callId: string }>(
    await send(account, "POST", "/Calls", {
      body: {
        from: FROM,
        to,
        applicationId: await applicationOf(account),
        callConnectUrl: `${app.url}/join/${n}`,
      },
    }),
    202,
    "CallResult",
  );
  await held.runFor(JOIN_MS);
  const row = await harness.belay.store.participants.get(account.accountId, conferenceId, placed.callId);
  assert.ok(row, `call ${placed.callId} joined conference ${conferenceId}`);
  return row;
}

/** The live participant in the engine (its privileges as the mixer uses them). */
function live(account: AccountRow, conferenceId: string, callId: string) {
  return harness.belay.engine.conferences.get(account.accountId, conferenceId)?.participant(callId);
}

/** The first webhook the app received that `where` accepts, waiting for it if need be. */
function webhook(where: (body: Record<string, unknown>, hit: AppHit) => boolean, what: string) {
  return until(async () => app.hits.find((hit) => where(hit.body, hit))?.body, WEBHOOK_WAIT_MS, what);
}

/** The callStatus that ends `callId`, as its application's statusCallbackUrl received it. */
function callEnded(callId: string) {
  return webhook(
    (body) => body.requestType === "callStatus" && body.callId === callId && body.callStatus === "completed",
    `the callStatus that ends ${callId}`,
  );
}

/** The conference's conferenceStatus webhooks so far, in order. */
function conferenceStatuses(conferenceId: string): Array<Record<string, unknown>> {
  return app.hits
    .map((hit) => hit.body)
    .filter((body) => body.requestType === "conferenceStatus" && body.conferenceId === conferenceId);
}

/** 8 kHz noise at -20 dBFS: a voice the recording shows plainly. */
const noise = (ms: number, seed: number) => toInt16(whiteNoise(ms * 8, -20, seed));

const idsOf = (list: Record<string, unknown>, key: string, field: string) =>
  (list[key] as Array<Record<string, string>>).map((item) => item[field]);
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe("conferences", () => {
  test("POST /Conferences creates an empty conference: 200, FreeClimb's ConferenceResult and defaults", async () => {
    const account = await newAccount();
    const created = await createConference(account, {
      alias: "support line",
      playBeep: "entryOnly",
      record: true,
      waitUrl: `${app.url}/hold.wav`,
    });
    const path = `/Accounts/${account.accountId}/Conferences/${created.conferenceId}`;
    assert.match(created.conferenceId, /^CF[0-9a-f]{40}$/);
    assert.equal(created.uri, path);
    assert.deepEqual(created.subresourceUris, {
      participants: `${path}/Participants`,
      recordings: `${path}/Recordings`,
    });
    assert.deepEqual(
      [created.alias, created.playBeep, created.record, created.status, created.waitUrl, created.revision],
      ["support line", "entryOnly", true, "empty", `${app.url}/hold.wav`, 1],
    );
    assert.equal(created.statusCallbackUrl, STATUS_URL);
    assert.equal(parseRfc1123(created.dateCreated), Math.floor(held.now() / 1000) * 1000);
    const got = valid(
      await send(account, "GET", `/Conferences/${created.conferenceId}`),
      200,
      "ConferenceResult",
    );
    assert.deepEqual(got, created);
    const engine = harness.belay.engine.conferences;
    assert.equal(engine.get(account.accountId, created.conferenceId)?.status, "empty", "live in the engine");

    // Only the required field: OpenAPI's defaults.
    const plain = await createConference(account);
    assert.deepEqual(
      [plain.alias, plain.playBeep, plain.record, plain.waitUrl],
      [null, "always", false, null],
    );
    assert.ok(engine.get(account.accountId, plain.conferenceId));
  });

  test("POST /Conferences: a bad body is 400 naming the field, and nothing is created", async () => {
    const account = await newAccount();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, "statusCallbackUrl"],
      [{ statusCallbackUrl: "not a url" }, "statusCallbackUrl"],
      [{ statusCallbackUrl: STATUS_URL, alias: "x".repeat(65) }, "alias"],
      [{ statusCallbackUrl: STATUS_URL, playBeep: "sometimes" }, "playBeep"],
      [{ statusCallbackUrl: STATUS_URL, record: "yes" }, "record"],
      [{ statusCallbackUrl: STATUS_URL, waitUrl: "ftp://127.0.0.1/hold.wav" }, "waitUrl"],
    ];
    const liveBefore = harness.belay.engine.conferences.size;
    for (const [body, field] of cases) {
      const error = assertApiError(await send(account, "POST", "/Conferences", { body }), 400, { code: 20 });
      assert.equal(error.details.field, field, JSON.stringify(body));
      assert.match(error.message, new RegExp(`"${field}"`));
    }
    const list = valid(await send(account, "GET", "/Conferences"), 200, "ConferenceList");
    assert.equal(list.total, 0);
    assert.equal(harness.belay.engine.conferences.size, liveBefore, "no conference started");
  });

  test("GET /Conferences/{id}: 404 (code 72) when unknown or another account's; 400 for a malformed id", async () => {
    const [account, other] = [await newAccount(), await newAccount()];
    const mine = await createConference(account);
    assertApiError(await send(other, "GET", `/Conferences/${mine.conferenceId}`), 404, {
      code: 72,
      messageMatches: new RegExp(`conference ${mine.conferenceId} not found`),
    });
    assertApiError(await send(account, "GET", `/Conferences/${newId("CF")}`), 404, { code: 72 });
    for (const bad of ["CF123", newId("CA"), mine.conferenceId.toUpperCase()]) {
      const error = assertApiError(await send(account, "GET", `/Conferences/${bad}`), 400, { code: 20 });
      assert.equal(error.details.field, "conferenceId");
    }
  });

  test("GET /Conferences: newest first, paged through nextPageUri with the filters carried", async () => {
    const account = await newAccount();
    const made: string[] = [];
    for (let n = 0; n < 5; n++) {
      made.push((await createConference(account, { alias: n % 2 ? "odd" : "even" })).conferenceId);
      await held.runFor(1000);
    }
    const all = valid(await send(account, "GET", "/Conferences"), 200, "ConferenceList");
    assert.equal(all.total, 5);
    assert.deepEqual(idsOf(all, "conferences", "conferenceId"), [...made].reverse());
    assert.equal(all.nextPageUri, null);

    const first = valid(
      await send(account, "GET", "/Conferences?alias=even&pageSize=2"),
      200,
      "ConferenceList",
    );
    assert.deepEqual([first.total, first.numPages, first.start, first.end], [3, 2, 0, 1]);
    assert.deepEqual(idsOf(first, "conferences", "conferenceId"), [made[4], made[2]]);
    const next = new URL(first.nextPageUri as string, "http://x");
    assert.equal(next.pathname, `/Accounts/${account.accountId}/Conferences`);
    assert.equal(next.searchParams.get("alias"), "even");
    const second = valid(await send(account, "GET", `/Conferences${next.search}`), 200, "ConferenceList");
    assert.deepEqual(idsOf(second, "conferences", "conferenceId"), [made[0]]);
    assert.deepEqual([second.page, second.nextPageUri], [1, null]);
  });

  test("GET /Conferences filters: status, exact alias, dateCreated and dateUpdated as UTC days", async () => {
    const account = await newAccount();
    const early = await createConference(account, { alias: "Sales" });
    const terminated = await createConference(account, { alias: "sales" });
    const firstDay = utcDay(held.now());
    const nextMidnight = (Math.floor(held.now() / DAY_MS) + 1) * DAY_MS;
    await held.runFor(nextMidnight + 5000 - held.now());
    const secondDay = utcDay(held.now());
    const late = await createConference(account, { alias: "sales" });
    // A real call joins: the conference is in progress.
    await join(account, late.conferenceId);
    await updateConference(account, terminated.conferenceId, { status: "terminated" });

    const ids = async (query: string) =>
      idsOf(
        valid(await send(account, "GET", `/Conferences?${query}`), 200, "ConferenceList"),
        "conferences",
        "conferenceId",
      );
    assert.deepEqual(await ids("status=empty"), [early.conferenceId]);
    assert.deepEqual(await ids("status=terminated"), [terminated.conferenceId]);
    assert.deepEqual(await ids("status=inProgress"), [late.conferenceId]);
    assert.deepEqual(await ids("status=populated"), []);
    assert.deepEqual(
      await ids("alias=sales"),
      [late.conferenceId, terminated.conferenceId],
      "exact, case included",
    );
    assert.deepEqual(await ids(`dateCreated=${firstDay}`), [terminated.conferenceId, early.conferenceId]);
    assert.deepEqual(await ids(`dateCreated=${secondDay}`), [late.conferenceId]);
    assert.deepEqual(await ids(`dateUpdated=${firstDay}`), [early.conferenceId]);
    assert.deepEqual(await ids(`dateUpdated=${secondDay}`), [late.conferenceId, terminated.conferenceId]);
    assert.deepEqual(await ids(`alias=sales&dateCreated=${firstDay}`), [terminated.conferenceId]);

    for (const [query, field] of [
      ["status=creating", "status"],
      ["dateCreated=2026-02-31", "dateCreated"],
      ["dateUpdated=27-02-2026", "dateUpdated"],
      ["pageSize=0", "pageSize"],
    ]) {
      const error = assertApiError(await send(account, "GET", `/Conferences?${query}`), 400, { code: 20 });
      assert.equal(error.details.field, field, query);
    }
  });

  test("POST /Conferences/{id}: alias and playBeep change (204, revision + 1); no fields changes nothing", async () => {
    const account = await newAccount();
    const conference = await createConference(account, { alias: "before" });
    await held.runFor(3000);
    const response = await send(account, "POST", `/Conferences/${conference.conferenceId}`, {
      body: { alias: "after", playBeep: "never" },
    });
    assert.equal(response.status, 204, response.body);
    assert.equal(response.body, "");
    const got = valid<Conference>(
      await send(account, "GET", `/Conferences/${conference.conferenceId}`),
      200,
      "ConferenceResult",
    );
    assert.deepEqual([got.alias, got.playBeep, got.status, got.revision], ["after", "never", "empty", 2]);
    assert.equal(parseRfc1123(got.dateUpdated), Math.floor(held.now() / 1000) * 1000);

    for (const body of [{}, undefined]) {
      const empty = await send(account, "POST", `/Conferences/${conference.conferenceId}`, { body });
      assert.equal(empty.status, 204, empty.body);
    }
    const same = valid<Conference>(
      await send(account, "GET", `/Conferences/${conference.conferenceId}`),
      200,
      "ConferenceResult",
    );
    assert.equal(same.revision, 2);
  });

  test("POST /Conferences/{id}: a bad body is 400 naming the field; unknown is 404", async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    for (const [body, field] of [
      [{ status: "populated" }, "status"],
      [{ status: "inProgress" }, "status"],
      [{ playBeep: "loud" }, "playBeep"],
      [{ alias: "y".repeat(65) }, "alias"],
      [{ alias: 7 }, "alias"],
    ] as const) {
      const response = await send(account, "POST", `/Conferences/${conference.conferenceId}`, { body });
      assert.equal(assertApiError(response, 400, { code: 20 }).details.field, field, JSON.stringify(body));
    }
    assertApiError(
      await send(account, "POST", `/Conferences/${newId("CF")}`, { body: { alias: "x" } }),
      404,
      { code: 72 },
    );
  });

  test('status "terminated" ends it; any later change is 409 (code 74), reads still answer', async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const member = await join(account, conference.conferenceId);
    const path = `/Conferences/${conference.conferenceId}`;
    const revision = valid<Conference>(await send(account, "GET", path), 200, "ConferenceResult").revision;
    const ending = await send(account, "POST", path, { body: { status: "terminated", alias: "done" } });
    assert.equal(ending.status, 204, ending.body);
    const got = valid<Conference>(await send(account, "GET", path), 200, "ConferenceResult");
    assert.deepEqual(
      [got.status, got.alias, got.revision, parseRfc1123(got.dateUpdated)],
      ["terminated", "done", revision + 1, Math.floor(held.now() / 1000) * 1000],
      "one update, one revision",
    );
    assert.equal((await callEnded(member.callId)).callEndedReason, "conferenceTerminated");
    for (const [method, suffix, body] of [
      ["POST", "", { alias: "again" }],
      ["POST", "", { status: "terminated" }],
      ["POST", "", {}],
      ["POST", `/Participants/${member.callId}`, { talk: false }],
      ["DELETE", `/Participants/${member.callId}`, undefined],
    ] as const) {
      const error = assertApiError(await send(account, method, `${path}${suffix}`, { body }), 409, {
        code: 74,
        messageMatches: /terminated/,
      });
      assert.equal(error.details.conferenceId, conference.conferenceId);
    }
    const after = valid<Conference>(await send(account, "GET", path), 200, "ConferenceResult");
    assert.equal(after.revision, got.revision, "nothing changed");
    const participants = valid(
      await send(account, "GET", `${path}/Participants`),
      200,
      "ConferenceParticipantList",
    );
    assert.equal(participants.total, 0, "the participants left");
  });
});

describe("participants", () => {
  test("GET …/Participants: newest first, filters talk, listen, dtmfPassThrough, paged", async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const other = await createConference(account);
    const a = await join(account, conference.conferenceId);
    const b = await join(account, conference.conferenceId, { talk: false });
    const c = await join(account, conference.conferenceId, { listen: false, dtmfPassThrough: false });
    await join(account, other.conferenceId, { talk: false });
    const path = `/Conferences/${conference.conferenceId}/Participants`;
    const ids = async (query = "") =>
      idsOf(
        valid(await send(account, "GET", `${path}${query}`), 200, "ConferenceParticipantList"),
        "participants",
        "callId",
      );
    assert.deepEqual(await ids(), [c.callId, b.callId, a.callId]);
    assert.deepEqual(await ids("?talk=false"), [b.callId]);
    assert.deepEqual(await ids("?talk=true"), [c.callId, a.callId]);
    assert.deepEqual(await ids("?listen=false"), [c.callId]);
    assert.deepEqual(await ids("?dtmfPassThrough=true"), [b.callId, a.callId]);
    assert.deepEqual(await ids("?talk=true&listen=true"), [a.callId]);

    const first = valid(
      await send(account, "GET", `${path}?talk=true&pageSize=1`),
      200,
      "ConferenceParticipantList",
    );
    assert.deepEqual([first.total, idsOf(first, "participants", "callId")], [2, [c.callId]]);
    const next = new URL(first.nextPageUri as string, "http://x");
    assert.equal(next.pathname, `/Accounts/${account.accountId}${path}`);
    assert.equal(next.searchParams.get("talk"), "true");
    const second = valid(
      await send(account, "GET", `${path}${next.search}`),
      200,
      "ConferenceParticipantList",
    );
    assert.deepEqual([idsOf(second, "participants", "callId"), second.nextPageUri], [[a.callId], null]);

    const error = assertApiError(await send(account, "GET", `${path}?talk=yes`), 400, { code: 20 });
    assert.equal(error.details.field, "talk");
    assertApiError(await send(account, "GET", `/Conferences/${newId("CF")}/Participants`), 404, { code: 72 });
  });

  test("GET …/Participants/{callId}: the participant; 404 (code 73) for a call not in it; 400 for a bad id", async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const other = await createConference(account);
    const member = await join(account, conference.conferenceId, { talk: false });
    const path = `/Conferences/${conference.conferenceId}/Participants/${member.callId}`;
    const got = valid<Participant>(await send(account, "GET", path), 200, "ConferenceParticipantResult");
    assert.deepEqual(got, {
      uri: `/Accounts/${account.accountId}${path}`,
      dateCreated: new Date(member.dateCreated).toUTCString(),
      dateUpdated: new Date(member.dateUpdated).toUTCString(),
      revision: 1,
      accountId: account.accountId,
      conferenceId: conference.conferenceId,
      callId: member.callId,
      talk: false,
      listen: true,
      dtmfPassThrough: true,
      startConfOnEnter: true,
    });
    assertApiError(
      await send(account, "GET", `/Conferences/${other.conferenceId}/Participants/${member.callId}`),
      404,
      { code: 73, messageMatches: /is not a participant of conference/ },
    );
    assertApiError(
      await send(account, "GET", `/Conferences/${newId("CF")}/Participants/${member.callId}`),
      404,
      { code: 72 },
    );
    const error = assertApiError(
      await send(account, "GET", `/Conferences/${conference.conferenceId}/Participants/${newId("CF")}`),
      400,
      { code: 20 },
    );
    assert.equal(error.details.field, "callId");
  });

  test("POST …/Participants/{callId}: talk, listen, dtmfPassThrough change the row and the live participant", async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const member = await join(account, conference.conferenceId);
    const path = `/Conferences/${conference.conferenceId}/Participants/${member.callId}`;
    await held.runFor(2000);
    const muted = valid<Participant>(
      await send(account, "POST", path, { body: { talk: false, dtmfPassThrough: false } }),
      200,
      "ConferenceParticipantResult",
    );
    assert.deepEqual(
      [muted.talk, muted.listen, muted.dtmfPassThrough, muted.revision],
      [false, true, false, 2],
    );
    const stored = await harness.belay.store.participants.get(
      account.accountId,
      conference.conferenceId,
      member.callId,
    );
    assert.deepEqual(
      [stored?.talk, stored?.dtmfPassThrough, stored?.dateUpdated],
      [false, false, held.now()],
    );
    const participant = live(account, conference.conferenceId, member.callId);
    assert.deepEqual(
      [participant?.flags.talk, participant?.seat.talk, participant?.flags.dtmfPassThrough],
      [false, false, false],
      "the mixer no longer takes its voice",
    );
    const deaf = valid<Participant>(
      await send(account, "POST", path, { body: { listen: false } }),
      200,
      "ConferenceParticipantResult",
    );
    assert.deepEqual([deaf.talk, deaf.listen, deaf.revision], [false, false, 3]);
    assert.deepEqual([participant?.flags.listen, participant?.seat.listen], [false, false]);

    const unchanged = valid<Participant>(
      await send(account, "POST", path, { body: {} }),
      200,
      "ConferenceParticipantResult",
    );
    assert.equal(unchanged.revision, 3);

    for (const body of [{ talk: "false" }, { listen: 0 }, { dtmfPassThrough: null }]) {
      const field = Object.keys(body)[0];
      const error = assertApiError(await send(account, "POST", path, { body }), 400, { code: 20 });
      assert.equal(error.details.field, field);
    }
    assert.deepEqual(
      [participant?.seat.talk, participant?.seat.listen],
      [false, false],
      "refused: unchanged",
    );
    assertApiError(
      await send(account, "POST", `/Conferences/${conference.conferenceId}/Participants/${newId("CA")}`, {
        body: { talk: true },
      }),
      404,
      { code: 73 },
    );
  });

  test("talk false through REST: from that instant the others no longer hear it (the conference recording)", async () => {
    const account = await newAccount();
    const conference = await createConference(account, { record: true, playBeep: "never" });
    const cf = conference.conferenceId;
    const speaker = await join(account, cf, {}, noise(10_000, 1));
    await join(account, cf);
    await held.runFor(1000);
    const mutedAt = held.now();
    const path = `/Conferences/${cf}/Participants/${speaker.callId}`;
    valid(await send(account, "POST", path, { body: { talk: false } }), 200, "ConferenceParticipantResult");
    await held.runFor(1000);
    const endedAt = held.now();
    assert.equal(
      (await send(account, "POST", `/Conferences/${cf}`, { body: { status: "terminated" } })).status,
      204,
    );
    const announced = await webhook(
      (body) => body.requestType === "conferenceRecordingStatus" && body.conferenceId === cf,
      "conferenceRecordingStatus",
    );
    const pcm = await recordedPcm(account, String(announced.recordingId));
    // The recording ends with the conference, at endedAt: sample i is from endedAt - (length - i)/8 ms.
    const at = (ms: number) => pcm.length - (endedAt - ms) * 8;
    assert.ok(
      at(mutedAt - 1000) >= 0,
      `the recording holds the second before the change (${pcm.length} samples)`,
    );
    const before = rmsDbfs(pcm, at(mutedAt - 800), at(mutedAt - 100));
    assert.ok(before > -23, `the speaker is heard before (${before.toFixed(1)} dBFS)`);
    // 100 ms: the frames already queued on their way to the mixer.
    const after = pcm.subarray(at(mutedAt + 100));
    assert.equal(after.length, 900 * 8);
    assert.ok(
      after.every((sample) => sample === 0),
      "nothing of the speaker after",
    );
  });

  test("DELETE …/Participants/{callId}: 204, gone (404); its call ends removedFromConference; the others stay", async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const leaving = await join(account, conference.conferenceId);
    const staying = await join(account, conference.conferenceId);
    const path = `/Conferences/${conference.conferenceId}/Participants/${leaving.callId}`;
    const removed = await send(account, "DELETE", path);
    assert.equal(removed.status, 204, removed.body);
    assert.equal(removed.body, "");
    assertApiError(await send(account, "GET", path), 404, { code: 73 });
    assertApiError(await send(account, "DELETE", path), 404, { code: 73 });
    const list = valid(
      await send(account, "GET", `/Conferences/${conference.conferenceId}/Participants`),
      200,
      "ConferenceParticipantList",
    );
    assert.deepEqual(idsOf(list, "participants", "callId"), [staying.callId]);
    assert.equal((await callEnded(leaving.callId)).callEndedReason, "removedFromConference");
    await held.runFor(1000);
    assert.ok(live(account, conference.conferenceId, staying.callId), "the other is still in");
    const got = valid<Conference>(
      await send(account, "GET", `/Conferences/${conference.conferenceId}`),
      200,
      "ConferenceResult",
    );
    assert.equal(got.status, "inProgress");

    // The last one removed: the conference ends with it (docs/conferences.md).
    const last = `/Conferences/${conference.conferenceId}/Participants/${staying.callId}`;
    assert.equal((await send(account, "DELETE", last)).status, 204);
    assert.equal((await callEnded(staying.callId)).callEndedReason, "removedFromConference");
    const ended = valid<Conference>(
      await send(account, "GET", `/Conferences/${conference.conferenceId}`),
      200,
      "ConferenceResult",
    );
    assert.equal(ended.status, "terminated");
    const terminatedBy = await webhook(
      (body) =>
        body.requestType === "conferenceStatus" &&
        body.conferenceId === conference.conferenceId &&
        body.status === "terminated",
      "conferenceStatus terminated",
    );
    assert.equal(terminatedBy.callId, staying.callId, "caused by the call that left");
  });

  test("DELETE with a leaveConferenceUrl: the app gets leaveConference and its PerCL continues the call", async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const cf = conference.conferenceId;
    routes["/left"] = () => ({ body: [{ Pause: { length: 1500 } }, { Hangup: {} }] });
    const leaving = await join(account, cf, { leaveConferenceUrl: `${app.url}/left` });
    await join(account, cf);
    const removedAt = held.now();
    assert.equal(
      (await send(account, "DELETE", `/Conferences/${cf}/Participants/${leaving.callId}`)).status,
      204,
    );
    const left = await webhook(
      (body, hit) => hit.path === "/left" && body.callId === leaving.callId,
      "leaveConference",
    );
    assert.deepEqual(
      [left.requestType, left.conferenceId, left.callStatus],
      ["leaveConference", cf, "inProgress"],
    );
    assert.deepEqual(validate("LeaveConferenceWebhook", left), []);
    await held.runFor(2000);
    assert.equal((await callEnded(leaving.callId)).callEndedReason, "appHangup", "ended by /left's PerCL");
    const call = await harness.belay.store.calls.get(account.accountId, leaving.callId);
    assert.equal((call?.endTime ?? 0) - removedAt, 1500, "after /left's Pause");
  });
});

describe("a live conference through REST", () => {
  test('status "terminated": calls end conferenceTerminated or go on to leaveConferenceUrl; conferenceStatus and the recording are announced', async () => {
    const account = await newAccount();
    const conference = await createConference(account, { record: true, playBeep: "never" });
    const cf = conference.conferenceId;
    const members = [
      await join(account, cf, {}, noise(5000, 2)),
      await join(account, cf, {}, noise(5000, 3)),
    ];
    routes["/after-conference"] = () => ({ body: [{ Hangup: {} }] });
    const goingOn = await join(account, cf, { leaveConferenceUrl: `${app.url}/after-conference` });
    await held.runFor(1000);
    assert.equal(
      (await send(account, "POST", `/Conferences/${cf}`, { body: { status: "terminated" } })).status,
      204,
    );
    const left = await webhook(
      (body, hit) => hit.path === "/after-conference" && body.callId === goingOn.callId,
      "leaveConference",
    );
    assert.deepEqual([left.requestType, left.conferenceId], ["leaveConference", cf]);
    assert.equal((await callEnded(goingOn.callId)).callEndedReason, "appHangup", "its PerCL ended it");
    for (const member of members)
      assert.equal((await callEnded(member.callId)).callEndedReason, "conferenceTerminated");
    const recording = await webhook(
      (body) => body.requestType === "conferenceRecordingStatus" && body.conferenceId === cf,
      "conferenceRecordingStatus",
    );
    assert.deepEqual(validate("ConferenceRecordingStatusWebhook", recording), []);
    await webhook(
      (body) =>
        body.requestType === "conferenceStatus" && body.conferenceId === cf && body.status === "terminated",
      "conferenceStatus terminated",
    );
    const statuses = conferenceStatuses(cf);
    assert.deepEqual(
      statuses.map((body) => body.status),
      ["populated", "inProgress", "terminated"],
    );
    for (const body of statuses) assert.deepEqual(validate("ConferenceStatusWebhook", body), []);
    // The REST API, not a call, ended it: no call's fields (docs/conferences.md).
    assert.deepEqual(Object.keys(statuses[2] ?? {}).sort(), [
      "accountId",
      "conferenceId",
      "requestType",
      "status",
    ]);
    const stored = await harness.belay.store.recordings.get(account.accountId, String(recording.recordingId));
    assert.deepEqual([stored?.conferenceId, stored?.callId], [cf, members[0]?.callId]);
    assert.equal(recording.recordingSize, String(stored?.sizeBytes));
    const pcm = await recordedPcm(account, String(recording.recordingId));
    assert.ok(rmsDbfs(pcm) > -23, "the two voices are in it");
    const listed = valid(await send(account, "GET", `/Conferences/${cf}/Recordings`), 200, "RecordingList");
    assert.deepEqual(idsOf(listed, "recordings", "recordingId"), [recording.recordingId]);
  });

  test('status "empty": every call leaves (conferenceEmptied); the conference stays, and calls join it again', async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const cf = conference.conferenceId;
    const members = [await join(account, cf), await join(account, cf), await join(account, cf)];
    const response = await send(account, "POST", `/Conferences/${cf}`, { body: { status: "empty" } });
    assert.equal(response.status, 204, response.body);
    const participants = valid(
      await send(account, "GET", `/Conferences/${cf}/Participants`),
      200,
      "ConferenceParticipantList",
    );
    assert.equal(participants.total, 0);
    for (const member of members)
      assert.equal((await callEnded(member.callId)).callEndedReason, "conferenceEmptied");
    await held.runFor(60_000);
    const got = valid<Conference>(await send(account, "GET", `/Conferences/${cf}`), 200, "ConferenceResult");
    assert.equal(got.status, "empty", "still there a minute later");
    assert.equal(harness.belay.engine.conferences.get(account.accountId, cf)?.status, "empty");

    const again = await join(account, cf);
    assert.ok(live(account, cf, again.callId));
    const back = valid<Conference>(await send(account, "GET", `/Conferences/${cf}`), 200, "ConferenceResult");
    assert.equal(back.status, "inProgress");
    const statuses = conferenceStatuses(cf);
    assert.deepEqual(
      statuses.map((body) => body.status),
      ["populated", "inProgress", "empty", "populated", "inProgress"],
    );
    // The REST API, not a call, emptied it: no call's fields (docs/conferences.md).
    assert.deepEqual(Object.keys(statuses[2] ?? {}).sort(), [
      "accountId",
      "conferenceId",
      "requestType",
      "status",
    ]);
    assert.equal(statuses[3]?.callId, again.callId);
  });

  test("POST /Conferences, then calls join: populated until one starts it, with the joining call's fields", async () => {
    const account = await newAccount();
    const conference = await createConference(account, { alias: "from the CLI" });
    const cf = conference.conferenceId;
    const waiting = await join(account, cf, { startConfOnEnter: false });
    let got = valid<Conference>(await send(account, "GET", `/Conferences/${cf}`), 200, "ConferenceResult");
    assert.equal(got.status, "populated");
    const starter = await join(account, cf, { notificationUrl: `${app.url}/joined` });
    got = valid<Conference>(await send(account, "GET", `/Conferences/${cf}`), 200, "ConferenceResult");
    assert.equal(got.status, "inProgress");
    const statuses = conferenceStatuses(cf);
    assert.deepEqual(
      statuses.map((body) => [body.status, body.callId]),
      [
        ["populated", waiting.callId],
        ["inProgress", starter.callId],
      ],
    );
    for (const body of statuses) {
      assert.deepEqual(validate("ConferenceStatusWebhook", body), []);
      assert.deepEqual([body.from, body.direction, body.callStatus], [FROM, "outboundAPI", "inProgress"]);
    }
    const notified = await webhook(
      (body, hit) => hit.path === "/joined" && body.callId === starter.callId,
      "addToConferenceNotification",
    );
    assert.deepEqual([notified.conferenceId, notified.status], [cf, "inProgress"]);
    const list = valid(
      await send(account, "GET", `/Conferences/${cf}/Participants`),
      200,
      "ConferenceParticipantList",
    );
    assert.deepEqual(idsOf(list, "participants", "callId"), [starter.callId, waiting.callId]);
  });
});
describe("a conference's recordings", () => {
  test("GET …/Conferences/{id}/Recordings: only its recordings, callId and dateCreated filters", async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const other = await createConference(account);
    const [callA, callB] = [newId("CA"), newId("CA")];
    for (const callId of [callA, callB]) {
      await harness.belay.store.calls.create({
        callId,
        accountId: account.accountId,
        parentCallId: null,
        applicationId: null,
        phoneNumberId: null,
        from: "+15550001111",
        to: "+15550002222",
        direction: "inbound",
        status: "completed",
        callEndedReason: "farEndHangup",
        startTime: held.now(),
        connectTime: held.now(),
        endTime: held.now(),
      });
    }
    const record = (callId: string, conferenceId: string | null): Promise<RecordingRow> => {
      const recordingId = newId("RE", held.now());
      return harness.belay.store.recordings.create({
        recordingId,
        accountId: account.accountId,
        callId,
        conferenceId,
        blobKey: `recordings/${account.accountId}/${recordingId}.wav`,
        sizeBytes: 16_044,
        durationMs: 1_000,
        privacyMode: false,
        deleteAt: null,
      });
    };
    const first = await record(callA, conference.conferenceId);
    await held.runFor(DAY_MS);
    const second = await record(callB, conference.conferenceId);
    await record(callA, other.conferenceId);
    await record(callA, null);
    const path = `/Conferences/${conference.conferenceId}/Recordings`;
    const ids = async (query = "") =>
      idsOf(
        valid(await send(account, "GET", `${path}${query}`), 200, "RecordingList"),
        "recordings",
        "recordingId",
      );
    assert.deepEqual(await ids(), [second.recordingId, first.recordingId]);
    assert.deepEqual(await ids(`?callId=${callA}`), [first.recordingId]);
    assert.deepEqual(await ids(`?dateCreated=${utcDay(second.dateCreated)}`), [second.recordingId]);
    const page = valid(await send(account, "GET", `${path}?pageSize=1`), 200, "RecordingList");
    assert.match(page.nextPageUri as string, new RegExp(`^/Accounts/${account.accountId}${path}\\?cursor=`));
    const recording = (page.recordings as Array<Record<string, unknown>>)[0];
    assert.equal(recording?.conferenceId, conference.conferenceId);
    assertApiError(await send(account, "GET", `/Conferences/${newId("CF")}/Recordings`), 404, { code: 72 });
    const error = assertApiError(await send(account, "GET", `${path}?callId=nope`), 400, { code: 20 });
    assert.equal(error.details.field, "callId");
  });
});

describe("access and the engine's absence", () => {
  test("401 without or with wrong credentials, 403 on another account's path, every route", async () => {
    const [account, other] = [await newAccount(), await newAccount()];
    const conference = await createConference(account);
    const member = await join(account, conference.conferenceId);
    const cf = `/Conferences/${conference.conferenceId}`;
    const routes: Array<[Method, string, unknown]> = [
      ["POST", "/Conferences", { statusCallbackUrl: STATUS_URL }],
      ["GET", "/Conferences", undefined],
      ["GET", cf, undefined],
      ["POST", cf, { alias: "x" }],
      ["GET", `${cf}/Participants`, undefined],
      ["GET", `${cf}/Participants/${member.callId}`, undefined],
      ["POST", `${cf}/Participants/${member.callId}`, { talk: false }],
      ["DELETE", `${cf}/Participants/${member.callId}`, undefined],
      ["GET", `${cf}/Recordings`, undefined],
    ];
    for (const [method, path, body] of routes) {
      const label = `${method} ${path}`;
      const none = await send(account, method, path, { body, authorization: null });
      assertApiError(none, 401, { code: 1 });
      assert.equal(none.headers["www-authenticate"], 'Basic realm="Belay"', label);
      const wrong = basicAuth(account.accountId, `${account.apiKey}x`);
      assertApiError(await send(account, method, path, { body, authorization: wrong }), 401, { code: 1 });
      const asOther = basicAuth(other.accountId, other.apiKey);
      assertApiError(await send(account, method, path, { body, authorization: asOther }), 403, { code: 3 });
    }
    assert.ok(
      await harness.belay.store.participants.get(account.accountId, conference.conferenceId, member.callId),
    );
    const participant = live(account, conference.conferenceId, member.callId);
    assert.deepEqual(
      [participant?.hasLeft, participant?.flags.talk],
      [false, true],
      "no refused request reached it",
    );
    const got = valid<Conference>(await send(account, "GET", cf), 200, "ConferenceResult");
    assert.equal(got.alias, null);
  });

  test("an API built without a conference engine: changes answer 503 (code 31), reads still work", async () => {
    // A pure API-level test: Belay's own API has the engine (belay.ts); one embedded with buildApi
    // and no `conferences` dependency has none, and must say so rather than pretend.
    const { belay } = harness;
    const on = await buildApi({
      store: belay.store,
      blobs: belay.engine.deps.blobs,
      engine: belay.engine,
      logger: belay.logger,
      publicUrl: () => belay.publicUrl(),
    });
    try {
      const account = await newAccount();
      const conference = await createConference(account);
      const member = await join(account, conference.conferenceId);
      const cf = `/Conferences/${conference.conferenceId}`;
      for (const [method, path, body] of [
        ["POST", "/Conferences", { statusCallbackUrl: STATUS_URL }],
        ["POST", cf, { status: "terminated" }],
        ["POST", `${cf}/Participants/${member.callId}`, { talk: false }],
        ["DELETE", `${cf}/Participants/${member.callId}`, undefined],
      ] as const) {
        assertApiError(await send(account, method, path, { body, on }), 503, {
          code: 31,
          messageMatches: /without a conference engine/,
        });
      }
      valid(await send(account, "GET", cf, { on }), 200, "ConferenceResult");
      valid(await send(account, "GET", `${cf}/Participants`, { on }), 200, "ConferenceParticipantList");
      valid(
        await send(account, "GET", `${cf}/Participants/${member.callId}`, { on }),
        200,
        "ConferenceParticipantResult",
      );
      const unchanged = await belay.store.conferences.get(account.accountId, conference.conferenceId);
      assert.equal(unchanged?.status, "inProgress");
      assert.equal(live(account, conference.conferenceId, member.callId)?.flags.talk, true);
    } finally {
      await on.close();
    }
  });

  test("the engine's refusals become REST errors: notFound → 404, terminated → 409", async () => {
    // A stub port that refuses everything, as the engine does when a conference ends between the
    // route's read of the store and its change: a race inside one request that no test can time
    // on the real engine, so this one test stands in for it.
    const refusing = (code: "notFound" | "terminated"): ConferenceControl => {
      const no = async () => ({ ok: false as const, code, message: `refused: ${code}` });
      return {
        create: () => Promise.reject(new Error("not used")),
        update: no,
        updateParticipant: no,
        removeParticipant: no,
      };
    };
    const account = await newAccount();
    const conference = await createConference(account);
    const member = await join(account, conference.conferenceId);
    const cf = `/Conferences/${conference.conferenceId}`;
    const participant = `${cf}/Participants/${member.callId}`;
    for (const [code, status, conferenceCode, participantCode] of [
      ["notFound", 404, 72, 73],
      ["terminated", 409, 74, 74],
    ] as const) {
      const { belay } = harness;
      const on = await buildApi({
        store: belay.store,
        blobs: belay.engine.deps.blobs,
        engine: belay.engine,
        logger: belay.logger,
        publicUrl: () => belay.publicUrl(),
        conferences: refusing(code),
      });
      try {
        const expect = (response: Injected, apiCode: number) =>
          assertApiError(response, status, { code: apiCode, messageMatches: new RegExp(`refused: ${code}`) });
        expect(await send(account, "POST", cf, { body: { alias: "x" }, on }), conferenceCode);
        expect(await send(account, "POST", participant, { body: { listen: false }, on }), participantCode);
        expect(await send(account, "DELETE", participant, { on }), participantCode);
      } finally {
        await on.close();
      }
    }
  });
});

/**
 * FreeClimb's SDK (@freeclimb/sdk 2.1.3) builds these requests itself; it speaks HTTPS only, so
 * it talks to Belay's TLS listener.
 */
describe("FreeClimb's SDK and CLI", () => {
  interface ParticipantsApi {
    getList(filters?: Record<string, unknown>): Promise<Record<string, unknown>>;
    getNextPage(uri: string): Promise<Record<string, unknown>>;
    get(callId: string): Promise<Record<string, unknown>>;
    update(callId: string, options: Record<string, unknown>): Promise<Record<string, unknown>>;
    delete(callId: string): Promise<null>;
  }
  interface ConferencesApi {
    create(options?: Record<string, unknown>): Promise<Record<string, unknown>>;
    getList(filters?: Record<string, unknown>): Promise<Record<string, unknown>>;
    getNextPage(uri: string): Promise<Record<string, unknown>>;
    get(id: string): Promise<Record<string, unknown>>;
    update(id: string, options: Record<string, unknown>): Promise<unknown>;
    participants(id: string): ParticipantsApi;
  }
  const sdkFor = (account: AccountRow): ConferencesApi => {
    const freeclimb = createRequire(import.meta.url)("@freeclimb/sdk")(account.accountId, account.apiKey);
    freeclimb.api.setApiUrl(`${harness.belay.publicUrl()}/apiserver`);
    return freeclimb.api.conferences as ConferencesApi;
  };
  const checked = (schema: string, body: Record<string, unknown>) => {
    assert.deepEqual(validate(schema, body), [], schema);
    return body;
  };

  test("the SDK's conferences: create, getList with filters, getNextPage, get, update", async () => {
    const account = await newAccount();
    const sdk = sdkFor(account);
    const made = [];
    for (const alias of ["a", "b", "a"]) {
      made.push(checked("ConferenceResult", await sdk.create({ alias, statusCallbackUrl: STATUS_URL })));
    }
    const first = checked("ConferenceList", await sdk.getList({ alias: "a", pageSize: 1 }));
    assert.equal(first.total, 2);
    const rest = checked("ConferenceList", await sdk.getNextPage(first.nextPageUri as string));
    assert.deepEqual(
      [...idsOf(first, "conferences", "conferenceId"), ...idsOf(rest, "conferences", "conferenceId")],
      [made[2]?.conferenceId, made[0]?.conferenceId],
    );
    const id = made[1]?.conferenceId as string;
    assert.deepEqual(checked("ConferenceResult", await sdk.get(id)), made[1]);
    assert.equal(await sdk.update(id, { alias: "renamed", status: "terminated" }), "");
    const updated = checked("ConferenceResult", await sdk.get(id));
    assert.deepEqual([updated.alias, updated.status, updated.revision], ["renamed", "terminated", 2]);
    assert.equal(checked("ConferenceList", await sdk.getList({ status: "terminated" })).total, 1);
    await assert.rejects(sdk.update(id, { alias: "again" }), /409.*"code":74/);
    await assert.rejects(sdk.get(newId("CF")), /404.*"code":72/);
    await assert.rejects(sdk.create({ alias: "no callback" }), /400.*statusCallbackUrl/);
  });

  test("the SDK's participants: getList with filters, get, update, delete", async () => {
    const account = await newAccount();
    const sdk = sdkFor(account);
    const conference = checked("ConferenceResult", await sdk.create({ statusCallbackUrl: STATUS_URL }));
    const conferenceId = conference.conferenceId as string;
    const a = await join(account, conferenceId);
    const b = await join(account, conferenceId, { listen: false });
    const participants = sdk.participants(conferenceId);
    const all = checked("ConferenceParticipantList", await participants.getList());
    assert.deepEqual(idsOf(all, "participants", "callId"), [b.callId, a.callId]);
    const deaf = checked("ConferenceParticipantList", await participants.getList({ listen: false }));
    assert.deepEqual(idsOf(deaf, "participants", "callId"), [b.callId]);
    assert.equal(checked("ConferenceParticipantResult", await participants.get(a.callId)).talk, true);
    const muted = checked(
      "ConferenceParticipantResult",
      await participants.update(a.callId, { talk: false }),
    );
    assert.deepEqual([muted.talk, muted.revision], [false, 2]);
    assert.equal(await participants.delete(b.callId), null);
    await assert.rejects(participants.get(b.callId), /404.*"code":73/);
    const left = checked("ConferenceParticipantList", await participants.getList());
    assert.deepEqual(idsOf(left, "participants", "callId"), [a.callId]);
  });

  test("the CLI's conferences:* and conference-participants:* requests, as it builds them", async () => {
    // freeclimb-cli sends JSON bodies with unset flags left out, booleans as JSON booleans, and
    // list filters as query parameters (booleans spelled "true"/"false").
    const account = await newAccount();
    const created = valid<Conference>(
      await send(account, "POST", "/Conferences", {
        body: { alias: "cli", playBeep: "exitOnly", record: false, statusCallbackUrl: STATUS_URL },
      }),
      200,
      "ConferenceResult",
    );
    const cf = `/Conferences/${created.conferenceId}`;
    const listed = valid(
      await send(account, "GET", "/Conferences?status=empty&alias=cli"),
      200,
      "ConferenceList",
    );
    assert.deepEqual(idsOf(listed, "conferences", "conferenceId"), [created.conferenceId]);
    valid(await send(account, "GET", cf), 200, "ConferenceResult");
    const member = await join(account, created.conferenceId);
    const other = await join(account, created.conferenceId);
    valid(
      await send(account, "GET", `${cf}/Participants?talk=true&listen=true`),
      200,
      "ConferenceParticipantList",
    );
    valid(
      await send(account, "GET", `${cf}/Participants/${member.callId}`),
      200,
      "ConferenceParticipantResult",
    );
    const updated = valid<Participant>(
      await send(account, "POST", `${cf}/Participants/${member.callId}`, {
        body: { talk: false, listen: true },
      }),
      200,
      "ConferenceParticipantResult",
    );
    assert.deepEqual([updated.talk, updated.listen], [false, true]);
    assert.equal((await send(account, "DELETE", `${cf}/Participants/${member.callId}`)).status, 204);
    assert.equal((await send(account, "POST", cf, { body: { playBeep: "always" } })).status, 204);
    assert.equal((await send(account, "POST", cf, { body: { status: "terminated" } })).status, 204);
    assert.equal((await callEnded(member.callId)).callEndedReason, "removedFromConference");
    assert.equal((await callEnded(other.callId)).callEndedReason, "conferenceTerminated");
    const ended = valid<Conference>(await send(account, "GET", cf), 200, "ConferenceResult");
    assert.deepEqual([ended.status, ended.playBeep], ["terminated", "always"]);
  });
});

/** A recording's audio as the REST API serves it (Download). */
async function recordedPcm(account: AccountRow, recordingId: string): Promise<Int16Array> {
  const response = await send(account, "GET", `/Recordings/${recordingId}/Download`);
  assert.equal(response.status, 200, response.body);
  return readWav(response.rawPayload).pcm8k;
}

async function updateConference(account: AccountRow, conferenceId: string, body: Record<string, unknown>) {
  const response = await send(account, "POST", `/Conferences/${conferenceId}`, { body });
  assert.equal(response.status, 204, response.body);
}
