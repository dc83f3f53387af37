import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import type { AccountRow } from "../../src/store/types.js";
import { SimulatedClock } from "../../src/time/clock.js";
import {
  basicAuth,
  createAccount,
  openApiErrors,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { assertApiError, get, recordingRoutes, seedCall } from "./helpers.js";

/**
 * The Recordings list filters (callId, conferenceId, dateCreated as a UTC day) and a call's own
 * recordings. Belay runs on a simulated clock that starts 10 s before midnight UTC, so call A's
 * recordings are made on 27 February and calls B and C's on the 28th. The periodic jobs are
 * stopped, so the clock moves only when a call or the test waits on it.
 */

let harness: TestBelay;
let app2: ScriptedApp;
let app1: ScriptedApp;
let clock: SimulatedClock;
let other: AccountRow;
const calls: Record<"A" | "B" | "C", { callId: string; recordingIds: string[] }> = {} as never;

const FEB_27_LATE = Date.UTC(2026, 1, 27, 23, 59, 50);
const FEB_28 = Date.UTC(2026, 1, 28);

before(async () => {
  clock = new SimulatedClock(FEB_27_LATE);
  harness = await startBelay({ listen: false, clock });
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
  await harness.belay.app.stopOutbox();
  app2 = await startScriptedApp(recordingRoutes(2));
  app1 = await startScriptedApp(recordingRoutes(1));
  // Not fast: the calls run on Belay's own clock, the one dateCreated is stamped with.
  calls.A = await seedCall(harness.belay, app2, { fast: false });
  assert.ok(clock.now() < FEB_28, "call A ended before midnight");
  await clock.sleep(FEB_28 + 30_000 - clock.now());
  calls.B = await seedCall(harness.belay, app1, { fast: false });
  calls.C = await seedCall(harness.belay, app2, { fast: false });
  assert.deepEqual(
    Object.values(calls).map((c) => c.recordingIds.length),
    [2, 1, 2],
  );
  other = await createAccount(harness.belay, "other");
});

after(async () => {
  await app1?.close();
  await app2?.close();
  await harness?.stop();
});

type Listed = { total: number; nextPageUri: string | null; recordings: Array<Record<string, unknown>> };

async function list(query: string, path = "Recordings"): Promise<Listed> {
  const response = await get(
    harness.belay,
    `/apiserver/Accounts/${harness.belay.account.accountId}/${path}${query}`,
  );
  assert.equal(response.status, 200, response.body);
  const body = response.json<Listed>();
  assert.deepEqual(openApiErrors("RecordingList", body), []);
  for (const recording of body.recordings) assert.deepEqual(openApiErrors("RecordingResult", recording), []);
  return body;
}

const ids = (body: Listed) => body.recordings.map((r) => r.recordingId as string).sort();
const idsOf = (...names: Array<"A" | "B" | "C">) => names.flatMap((n) => calls[n].recordingIds).sort();

test("no filter: every recording, newest first, dated on its own UTC day", async () => {
  const body = await list("");
  assert.equal(body.total, 5);
  assert.deepEqual(ids(body), idsOf("A", "B", "C"));
  const newestFirst = [...calls.C.recordingIds].reverse().concat([...calls.B.recordingIds]);
  assert.deepEqual(
    body.recordings.slice(0, 3).map((r) => r.recordingId),
    newestFirst,
  );
  for (const recording of body.recordings) {
    const day = calls.A.recordingIds.includes(recording.recordingId as string) ? "27 Feb" : "28 Feb";
    assert.match(recording.dateCreated as string, new RegExp(`^\\w{3}, ${day} 2026 `));
  }
});

test("callId, dateCreated and both together", async () => {
  assert.deepEqual(ids(await list(`?callId=${calls.A.callId}`)), idsOf("A"));
  assert.deepEqual(ids(await list("?dateCreated=2026-02-27")), idsOf("A"));
  assert.deepEqual(ids(await list("?dateCreated=2026-02-28")), idsOf("B", "C"));
  assert.equal((await list("?dateCreated=2026-03-01")).total, 0);
  assert.equal((await list("?dateCreated=2026-02-26")).total, 0);
  assert.deepEqual(ids(await list(`?callId=${calls.C.callId}&dateCreated=2026-02-28`)), idsOf("C"));
  assert.equal((await list(`?callId=${calls.A.callId}&dateCreated=2026-02-28`)).total, 0);
  assert.equal((await list(`?callId=${newId("CA")}`)).total, 0);
});

test("conferenceId: a well-formed id filters (no call here is in a conference)", async () => {
  const body = await list(`?conferenceId=${newId("CF")}`);
  assert.deepEqual([body.total, body.recordings], [0, []]);
});

test("a filtered list pages through nextPageUri and keeps its filters", async () => {
  const seen: string[] = [];
  let uri: string | null =
    `/Accounts/${harness.belay.account.accountId}/Recordings?dateCreated=2026-02-28&pageSize=1`;
  for (let pages = 0; uri !== null; pages++) {
    assert.ok(pages < 5, "paging ends");
    const response = await get(harness.belay, `/apiserver${uri}`);
    assert.equal(response.status, 200, response.body);
    const page = response.json<Listed>();
    assert.deepEqual(openApiErrors("RecordingList", page), []);
    assert.equal(page.total, 3);
    seen.push(...page.recordings.map((r) => r.recordingId as string));
    if (page.nextPageUri !== null) {
      const next = new URL(page.nextPageUri, "http://x");
      assert.equal(next.searchParams.get("dateCreated"), "2026-02-28");
      assert.equal(next.searchParams.get("pageSize"), "1");
      assert.ok(next.searchParams.get("cursor"));
    }
    uri = page.nextPageUri;
  }
  assert.deepEqual([...seen].sort(), idsOf("B", "C"));

  const byCall = await list(`?callId=${calls.A.callId}&pageSize=1`);
  const next = new URL(byCall.nextPageUri as string, "http://x");
  assert.equal(next.searchParams.get("callId"), calls.A.callId);
  const second = await get(harness.belay, `/apiserver${byCall.nextPageUri}`);
  assert.equal(second.json<Listed>().nextPageUri, null);
  assert.deepEqual(
    [...byCall.recordings, ...second.json<Listed>().recordings].map((r) => r.recordingId).sort(),
    idsOf("A"),
  );
});

test("a date that is not a real YYYY-MM-DD day: 400 naming dateCreated", async () => {
  const { accountId } = harness.belay.account;
  for (const bad of [
    "2026-02-31",
    "2026-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-2-27",
    "20260227",
    "2026-02-27T00:00:00Z",
    "27-02-2026",
    "",
    "yesterday",
  ]) {
    for (const path of ["Recordings", `Calls/${calls.A.callId}/Recordings`]) {
      const url = `/apiserver/Accounts/${accountId}/${path}?dateCreated=${encodeURIComponent(bad)}`;
      const error = assertApiError(await get(harness.belay, url), 400, { code: 20 });
      assert.equal(error.details.field, "dateCreated", `${path} ${bad}`);
      assert.match(error.message, /"dateCreated" must be a real day written YYYY-MM-DD/);
    }
  }
  // 2028 is a leap year.
  assert.equal((await list("?dateCreated=2028-02-29")).total, 0);
});

test("malformed callId, conferenceId, cursor or pageSize: 400 naming the field", async () => {
  const cases: Array<[string, string]> = [
    ["callId=CA123", "callId"],
    [`callId=${newId("RE")}`, "callId"],
    ["conferenceId=CF123", "conferenceId"],
    [`conferenceId=${newId("CA")}`, "conferenceId"],
    ["cursor=nonsense", "cursor"],
    ["pageSize=0", "pageSize"],
    ["pageSize=abc", "pageSize"],
  ];
  for (const [query, field] of cases) {
    const url = `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings?${query}`;
    const error = assertApiError(await get(harness.belay, url), 400);
    assert.equal(error.details.field, field, query);
  }
});

test("a call's recordings: only that call's, filtered by day, paged under the call's path", async () => {
  const path = (callId: string) => `Calls/${callId}/Recordings`;
  assert.deepEqual(ids(await list("", path(calls.B.callId))), idsOf("B"));
  assert.deepEqual(ids(await list("?dateCreated=2026-02-28", path(calls.C.callId))), idsOf("C"));
  assert.equal((await list("?dateCreated=2026-02-27", path(calls.C.callId))).total, 0);
  const first = await list("?pageSize=1&dateCreated=2026-02-27", path(calls.A.callId));
  assert.equal(first.total, 2);
  const { accountId } = harness.belay.account;
  assert.match(
    String(first.nextPageUri),
    new RegExp(
      `^/Accounts/${accountId}/Calls/${calls.A.callId}/Recordings\\?dateCreated=2026-02-27&cursor=[\\w-]+&pageSize=1$`,
    ),
  );
  const second = await get(harness.belay, `/apiserver${first.nextPageUri}`);
  assert.deepEqual(
    [...first.recordings, ...second.json<Listed>().recordings].map((r) => r.recordingId).sort(),
    idsOf("A"),
  );
});

test("a call's recordings: unknown or another account's call 404 code 67, bad ids 400, no auth 401", async () => {
  const { accountId } = harness.belay.account;
  const unknown = `/apiserver/Accounts/${accountId}/Calls/${newId("CA")}/Recordings`;
  assertApiError(await get(harness.belay, unknown), 404, { code: 67, url: unknown });
  const auth = basicAuth(other.accountId, other.apiKey);
  const theirs = `/apiserver/Accounts/${other.accountId}/Calls/${calls.A.callId}/Recordings`;
  assertApiError(await get(harness.belay, theirs, auth), 404, { code: 67 });
  const ours = `/apiserver/Accounts/${accountId}/Calls/${calls.A.callId}/Recordings`;
  assertApiError(await get(harness.belay, ours, auth), 403);
  for (const bad of ["CA123", newId("RE")]) {
    const error = assertApiError(
      await get(harness.belay, `/apiserver/Accounts/${accountId}/Calls/${bad}/Recordings`),
      400,
    );
    assert.equal(error.details.field, "callId");
  }
  const anonymous = await get(harness.belay, ours, null);
  assertApiError(anonymous, 401);
  assert.equal(anonymous.headers["www-authenticate"], 'Basic realm="Belay"');
});

test("another account sees none of these recordings in its own lists", async () => {
  const auth = basicAuth(other.accountId, other.apiKey);
  const response = await get(
    harness.belay,
    `/apiserver/Accounts/${other.accountId}/Recordings?dateCreated=2026-02-28`,
    auth,
  );
  assert.equal(response.status, 200);
  assert.equal(response.json<Listed>().total, 0);
});
