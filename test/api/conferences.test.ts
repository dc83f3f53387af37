import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { buildApi } from "../../src/api/app.js";
import type {
  ConferenceChange,
  ConferenceControl,
  CreateConferenceRequest,
} from "../../src/calls/conference-control.js";
import { newId } from "../../src/contract/ids.js";
import { parseRfc1123 } from "../../src/contract/rest.js";
import type {
  AccountRow,
  ConferenceRow,
  ParticipantRow,
  PlayBeep,
  RecordingRow,
  Store,
} from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { basicAuth, createAccount, startBelay, type TestBelay, TLS_FIXTURE } from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { assertApiError, type Injected } from "./helpers.js";

/**
 * The Conferences and Participants REST API, shaped as FreeClimb's OpenAPI and SDK have it. Reads
 * come from the real SQLite store; changes go through the ConferenceControl port. The conference
 * engine is not on this branch, so the changes run against StoreConferenceControl below: a
 * stand-in that edits the same real store rows as the engine's contract says (no media). Every
 * test uses its own account, so lists see only that test's rows. Belay runs on a simulated clock
 * with its periodic jobs stopped, so time moves only when a test sleeps on it.
 */

/**
 * STAND-IN for the conference engine's ConferenceControl, for these tests only: the lead's engine
 * implements the port and is wired into belay.ts later. It keeps the port's contract on the real
 * store (status "empty" and "terminated" remove every participant) and records what it was asked.
 */
class StoreConferenceControl implements ConferenceControl {
  readonly asked: Array<{ method: string; args: unknown[] }> = [];

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async create(request: CreateConferenceRequest): Promise<ConferenceRow> {
    this.asked.push({ method: "create", args: [request] });
    return this.store.conferences.create({
      ...request,
      conferenceId: newId("CF", this.now()),
      status: "empty",
      actionUrl: null,
      callId: null,
    });
  }

  async update(
    accountId: string,
    conferenceId: string,
    patch: { alias?: string; playBeep?: PlayBeep; status?: "empty" | "terminated" },
  ): Promise<ConferenceChange<ConferenceRow>> {
    this.asked.push({ method: "update", args: [accountId, conferenceId, patch] });
    const refused = await this.refusal(accountId, conferenceId);
    if (refused) return refused;
    if (patch.status !== undefined) await this.store.participants.deleteAll(accountId, conferenceId);
    const row = await this.store.conferences.update(accountId, conferenceId, patch);
    return row ? { ok: true, row } : { ok: false, code: "notFound", message: "gone" };
  }

  async updateParticipant(
    accountId: string,
    conferenceId: string,
    callId: string,
    patch: { talk?: boolean; listen?: boolean; dtmfPassThrough?: boolean },
  ): Promise<ConferenceChange<ParticipantRow>> {
    this.asked.push({ method: "updateParticipant", args: [accountId, conferenceId, callId, patch] });
    const refused = await this.refusal(accountId, conferenceId);
    if (refused) return refused;
    const row = await this.store.participants.update(accountId, conferenceId, callId, patch);
    return row ? { ok: true, row } : { ok: false, code: "notFound", message: `no participant ${callId}` };
  }

  async removeParticipant(
    accountId: string,
    conferenceId: string,
    callId: string,
  ): Promise<ConferenceChange<null>> {
    this.asked.push({ method: "removeParticipant", args: [accountId, conferenceId, callId] });
    const refused = await this.refusal(accountId, conferenceId);
    if (refused) return refused;
    return (await this.store.participants.delete(accountId, conferenceId, callId))
      ? { ok: true, row: null }
      : { ok: false, code: "notFound", message: `no participant ${callId}` };
  }

  private async refusal(accountId: string, conferenceId: string) {
    const row = await this.store.conferences.get(accountId, conferenceId);
    if (!row)
      return { ok: false as const, code: "notFound" as const, message: `no conference ${conferenceId}` };
    if (row.status === "terminated")
      return { ok: false as const, code: "terminated" as const, message: `${conferenceId} has terminated` };
    return undefined;
  }
}

const FEB_27_LATE = Date.UTC(2026, 1, 27, 23, 59, 50);
const DAY_MS = 24 * 3600 * 1000;

let harness: TestBelay;
let clock: SimulatedClock;
let control: StoreConferenceControl;
/** Belay's API over the same store, with the stand-in engine; also on HTTPS for the SDK. */
let api: FastifyInstance;
let apiUrl: string;

before(async () => {
  clock = new SimulatedClock(FEB_27_LATE);
  harness = await startBelay({ listen: false, clock });
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
  await harness.belay.app.stopOutbox();
  const { belay } = harness;
  control = new StoreConferenceControl(belay.store, () => clock.now());
  api = await buildApi(
    {
      store: belay.store,
      blobs: belay.engine.deps.blobs,
      engine: belay.engine,
      logger: belay.logger,
      publicUrl: () => apiUrl,
      conferences: control,
    },
    { cert: readFileSync(TLS_FIXTURE.certFile), key: readFileSync(TLS_FIXTURE.keyFile) },
  );
  await api.listen({ host: "127.0.0.1", port: 0 });
  apiUrl = `https://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
});

after(async () => {
  await api?.close();
  await harness?.stop();
});

type Method = "GET" | "POST" | "DELETE";

/** One request as `account`, through the API with the stand-in engine unless `on` says otherwise. */
async function send(
  account: AccountRow,
  method: Method,
  path: string,
  options: { body?: unknown; on?: FastifyInstance; authorization?: string | null } = {},
): Promise<Injected> {
  const authorization =
    options.authorization === undefined
      ? basicAuth(account.accountId, account.apiKey)
      : options.authorization;
  const response = await (options.on ?? api).inject({
    method,
    url: `/apiserver/Accounts/${account.accountId}${path}`,
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

const STATUS_URL = "http://127.0.0.1:9/conference-status";

async function createConference(
  account: AccountRow,
  body: Record<string, unknown> = {},
): Promise<Conference> {
  const response = await send(account, "POST", "/Conferences", {
    body: { statusCallbackUrl: STATUS_URL, ...body },
  });
  return valid<Conference>(response, 200, "ConferenceResult");
}

/** A call in the conference: the engine's AddToConference makes this row; here the store does. */
async function join(
  account: AccountRow,
  conferenceId: string,
  flags: Partial<Pick<ParticipantRow, "talk" | "listen" | "dtmfPassThrough">> = {},
): Promise<ParticipantRow> {
  return harness.belay.store.participants.create({
    accountId: account.accountId,
    conferenceId,
    callId: newId("CA", clock.now()),
    talk: true,
    listen: true,
    dtmfPassThrough: true,
    startConfOnEnter: true,
    ...flags,
  });
}

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
      waitUrl: "http://127.0.0.1:9/hold.wav",
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
      ["support line", "entryOnly", true, "empty", "http://127.0.0.1:9/hold.wav", 1],
    );
    assert.equal(created.statusCallbackUrl, STATUS_URL);
    assert.equal(parseRfc1123(created.dateCreated), Math.floor(clock.now() / 1000) * 1000);
    const got = valid(
      await send(account, "GET", `/Conferences/${created.conferenceId}`),
      200,
      "ConferenceResult",
    );
    assert.deepEqual(got, created);

    // Only the required field: OpenAPI's defaults reach the engine.
    const plain = await createConference(account);
    assert.deepEqual(
      [plain.alias, plain.playBeep, plain.record, plain.waitUrl],
      [null, "always", false, null],
    );
    assert.deepEqual(control.asked.at(-1), {
      method: "create",
      args: [
        {
          accountId: account.accountId,
          alias: null,
          playBeep: "always",
          record: false,
          waitUrl: null,
          statusCallbackUrl: STATUS_URL,
        },
      ],
    });
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
    for (const [body, field] of cases) {
      const error = assertApiError(await send(account, "POST", "/Conferences", { body }), 400, { code: 20 });
      assert.equal(error.details.field, field, JSON.stringify(body));
      assert.match(error.message, new RegExp(`"${field}"`));
    }
    const list = valid(await send(account, "GET", "/Conferences"), 200, "ConferenceList");
    assert.equal(list.total, 0);
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
      await clock.sleep(1000);
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
    const firstDay = utcDay(clock.now());
    const nextMidnight = (Math.floor(clock.now() / DAY_MS) + 1) * DAY_MS;
    await clock.sleep(nextMidnight + 5000 - clock.now());
    const secondDay = utcDay(clock.now());
    const late = await createConference(account, { alias: "sales" });
    await join(account, late.conferenceId);
    await updateConference(account, terminated.conferenceId, { status: "terminated" });
    await harness.belay.store.conferences.update(account.accountId, late.conferenceId, {
      status: "inProgress",
    });

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
    await clock.sleep(3000);
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
    assert.equal(parseRfc1123(got.dateUpdated), Math.floor(clock.now() / 1000) * 1000);
    assert.deepEqual(control.asked.at(-1), {
      method: "update",
      args: [account.accountId, conference.conferenceId, { alias: "after", playBeep: "never" }],
    });

    const asked = control.asked.length;
    for (const body of [{}, undefined]) {
      const empty = await send(account, "POST", `/Conferences/${conference.conferenceId}`, { body });
      assert.equal(empty.status, 204, empty.body);
    }
    assert.equal(control.asked.length, asked, "the engine is not asked to change nothing");
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

  test('status "empty" removes every participant; the conference goes on', async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    for (let n = 0; n < 3; n++) await join(account, conference.conferenceId);
    const response = await send(account, "POST", `/Conferences/${conference.conferenceId}`, {
      body: { status: "empty" },
    });
    assert.equal(response.status, 204, response.body);
    const participants = valid(
      await send(account, "GET", `/Conferences/${conference.conferenceId}/Participants`),
      200,
      "ConferenceParticipantList",
    );
    assert.equal(participants.total, 0);
    const got = valid<Conference>(
      await send(account, "GET", `/Conferences/${conference.conferenceId}`),
      200,
      "ConferenceResult",
    );
    assert.equal(got.status, "empty");
    assert.equal((await join(account, conference.conferenceId)).conferenceId, conference.conferenceId);
  });

  test('status "terminated" ends it; any later change is 409 (code 74), reads still answer', async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const member = await join(account, conference.conferenceId);
    const path = `/Conferences/${conference.conferenceId}`;
    assert.equal((await send(account, "POST", path, { body: { status: "terminated" } })).status, 204);
    const got = valid<Conference>(await send(account, "GET", path), 200, "ConferenceResult");
    assert.deepEqual([got.status, got.revision], ["terminated", 2]);
    const asked = control.asked.length;
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
    assert.equal(control.asked.length, asked, "refused before the engine is asked");
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
    await clock.sleep(1000);
    const b = await join(account, conference.conferenceId, { talk: false });
    await clock.sleep(1000);
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

  test("POST …/Participants/{callId}: talk, listen, dtmfPassThrough change (200, revision + 1)", async () => {
    const account = await newAccount();
    const conference = await createConference(account);
    const member = await join(account, conference.conferenceId);
    const path = `/Conferences/${conference.conferenceId}/Participants/${member.callId}`;
    await clock.sleep(2000);
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
      [false, false, clock.now()],
    );
    assert.deepEqual(control.asked.at(-1)?.args.at(-1), { talk: false, dtmfPassThrough: false });

    const asked = control.asked.length;
    const unchanged = valid<Participant>(
      await send(account, "POST", path, { body: {} }),
      200,
      "ConferenceParticipantResult",
    );
    assert.equal(unchanged.revision, 2);
    assert.equal(control.asked.length, asked, "nothing asked, the engine is not called");

    for (const body of [{ talk: "false" }, { listen: 0 }, { dtmfPassThrough: null }]) {
      const field = Object.keys(body)[0];
      const error = assertApiError(await send(account, "POST", path, { body }), 400, { code: 20 });
      assert.equal(error.details.field, field);
    }
    assertApiError(
      await send(account, "POST", `/Conferences/${conference.conferenceId}/Participants/${newId("CA")}`, {
        body: { talk: true },
      }),
      404,
      { code: 73 },
    );
  });

  test("DELETE …/Participants/{callId}: 204, then it is gone (404); the others stay", async () => {
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
        startTime: clock.now(),
        connectTime: clock.now(),
        endTime: clock.now(),
      });
    }
    const record = (callId: string, conferenceId: string | null): Promise<RecordingRow> => {
      const recordingId = newId("RE", clock.now());
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
    await clock.sleep(DAY_MS);
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
    const asked = control.asked.length;
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
    assert.equal(control.asked.length, asked, "no refused request reached the engine");
    assert.ok(
      await harness.belay.store.participants.get(account.accountId, conference.conferenceId, member.callId),
    );
  });

  test("without a conference engine, changes answer 503 (code 31) and reads still work", async () => {
    // Belay's own API: belay.ts does not hand it a ConferenceControl on this branch.
    const on = harness.belay.api;
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
    const unchanged = await harness.belay.store.conferences.get(account.accountId, conference.conferenceId);
    assert.equal(unchanged?.status, "empty");
  });

  test("the engine's refusals become REST errors: notFound → 404, terminated → 409", async () => {
    // A port that refuses everything, as the engine does when a conference ends between the
    // route's read of the store and its change (a race the store alone cannot show).
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
        publicUrl: () => apiUrl,
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
 * it talks to the stand-in API's TLS listener.
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
    freeclimb.api.setApiUrl(`${apiUrl}/apiserver`);
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
  });
});

async function updateConference(account: AccountRow, conferenceId: string, body: Record<string, unknown>) {
  const response = await send(account, "POST", `/Conferences/${conferenceId}`, { body });
  assert.equal(response.status, 204, response.body);
}
