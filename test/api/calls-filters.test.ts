import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newId } from "../../src/contract/ids.js";
import type { CallRow } from "../../src/store/types.js";
import { startBelay, type TestBelay } from "../e2e/harness.js";
import { validate } from "../helpers/openapi.js";
import { assertApiError, get } from "./helpers.js";

/** GET /Calls with every FreeClimb filter, over calls seeded straight into the store. */

let harness: TestBelay;
let accountId: string;
const APP_1 = newId("AP");
const APP_2 = newId("AP");
const PARENT = newId("CA");
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

type Seed = Partial<Omit<CallRow, "dateCreated" | "dateUpdated" | "revision">> & { label: string };
const SEEDS: Seed[] = [
  {
    label: "parent",
    callId: PARENT,
    status: "completed",
    startTime: T0,
    endTime: T0 + 60_000,
    applicationId: APP_1,
  },
  {
    label: "child",
    parentCallId: PARENT,
    status: "completed",
    startTime: T0 + 10_000,
    endTime: T0 + 30_500,
    to: "+15550000002",
  },
  {
    label: "ringing",
    status: "ringing",
    startTime: T0 + 120_000,
    from: "+15550000009",
    applicationId: APP_2,
  },
  { label: "busy", status: "busy", startTime: T0 + 180_000, endTime: T0 + 180_000, applicationId: APP_2 },
  { label: "live", status: "inProgress", startTime: T0 + 240_000, connectTime: T0 + 241_000 },
];
const ids = new Map<string, string>();

before(async () => {
  harness = await startBelay({ listen: false });
  accountId = harness.belay.account.accountId;
  for (const seed of SEEDS) {
    const { label, ...fields } = seed;
    const row = await harness.belay.store.calls.create({
      callId: newId("CA"),
      accountId,
      parentCallId: null,
      applicationId: null,
      phoneNumberId: null,
      from: "+15550000001",
      to: "+15550000003",
      direction: "outboundAPI",
      status: "completed",
      callEndedReason: null,
      startTime: null,
      connectTime: null,
      endTime: null,
      ...fields,
    });
    ids.set(label, row.callId);
  }
});
after(() => harness?.stop());

const path = () => `/apiserver/Accounts/${accountId}/Calls`;

/** The labels a query lists, newest first, checked against FreeClimb's CallList schema. */
async function labels(query: string): Promise<string[]> {
  const response = await get(harness.belay, `${path()}?${query}`);
  assert.equal(response.status, 200, response.body);
  const list = response.json<{ calls: Array<{ callId: string }> }>();
  assert.deepEqual(validate("CallList", list), [], response.body);
  const byId = new Map([...ids].map(([label, id]) => [id, label]));
  return list.calls.map((c) => byId.get(c.callId) ?? c.callId);
}

const q = (params: Record<string, string | string[]>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const each of [v].flat()) search.append(k, each);
  return search.toString();
};

test("no filter: every call, newest first", async () => {
  assert.deepEqual(await labels(""), ["live", "busy", "ringing", "child", "parent"]);
});

test("active, status, to, from, parentCallId", async () => {
  assert.deepEqual(await labels("active=true"), ["live", "ringing"]);
  assert.deepEqual(await labels("active=false"), ["live", "busy", "ringing", "child", "parent"]);
  assert.deepEqual(await labels("status=busy"), ["busy"]);
  assert.deepEqual(await labels(q({ to: "+15550000002" })), ["child"]);
  assert.deepEqual(await labels(q({ from: "+15550000009" })), ["ringing"]);
  assert.deepEqual(await labels(`parentCallId=${PARENT}`), ["child"]);
  assert.deepEqual(await labels("status=completed&active=true"), []);
});

test("applicationId, once or repeated", async () => {
  assert.deepEqual(await labels(`applicationId=${APP_1}`), ["parent"]);
  assert.deepEqual(await labels(q({ applicationId: [APP_1, APP_2] })), ["busy", "ringing", "parent"]);
});

test("startTime: started at or after; endTime: ended at or before, to the second", async () => {
  assert.deepEqual(await labels(q({ startTime: "2026-01-15 10:00:10" })), [
    "live",
    "busy",
    "ringing",
    "child",
  ]);
  assert.deepEqual(await labels(q({ startTime: "2026-01-15 10:00:11" })), ["live", "busy", "ringing"]);
  // The child ended at 10:00:30.500: within the second 10:00:30.
  assert.deepEqual(await labels(q({ endTime: "2026-01-15 10:00:30" })), ["child"]);
  assert.deepEqual(await labels(q({ endTime: "2026-01-15 10:00:29" })), []);
  assert.deepEqual(await labels(q({ endTime: "2026-01-15 10:03:00" })), ["busy", "child", "parent"]);
});

test("ranges FROM..TO (either side open), both ends included", async () => {
  assert.deepEqual(await labels(q({ startTime: "2026-01-15 10:00:10..2026-01-15 10:02:00" })), [
    "ringing",
    "child",
  ]);
  assert.deepEqual(await labels(q({ startTime: "..2026-01-15 10:00:00" })), ["parent"]);
  assert.deepEqual(await labels(q({ endTime: "2026-01-15 10:01:00.." })), ["busy", "parent"]);
});

test("nextPageUri keeps every filter", async () => {
  const query = q({ applicationId: [APP_1, APP_2], startTime: "2026-01-15 10:00:00", pageSize: "2" });
  const first = await get(harness.belay, `${path()}?${query}`);
  const page = first.json<{ nextPageUri: string; total: number; calls: Array<{ callId: string }> }>();
  assert.equal(page.total, 3);
  assert.equal(page.calls.length, 2);
  const next = new URL(page.nextPageUri, "http://x");
  assert.equal(next.pathname, `/Accounts/${accountId}/Calls`);
  assert.deepEqual(next.searchParams.getAll("applicationId"), [APP_1, APP_2]);
  assert.equal(next.searchParams.get("startTime"), "2026-01-15 10:00:00");
  const second = await get(harness.belay, `/apiserver${page.nextPageUri}`);
  assert.equal(second.status, 200, second.body);
  const rest = second.json<{ nextPageUri: string | null; calls: Array<{ callId: string }> }>();
  assert.deepEqual(
    rest.calls.map((c) => c.callId),
    [ids.get("parent")],
  );
  assert.equal(rest.nextPageUri, null);
});

test("malformed filters: 400 naming the filter", async () => {
  const cases: Array<[string, string]> = [
    ["active=yes", "active"],
    ["status=done", "status"],
    [q({ to: "5550000002" }), "to"],
    [q({ from: "+0123" }), "from"],
    ["parentCallId=CA12", "parentCallId"],
    ["applicationId=AP12", "applicationId"],
    [q({ startTime: "2026-01-15T10:00:00Z" }), "startTime"],
    [q({ startTime: "2026-02-31 10:00:00" }), "startTime"],
    [q({ endTime: "yesterday" }), "endTime"],
    [q({ endTime: ".." }), "endTime"],
  ];
  for (const [query, field] of cases) {
    const error = assertApiError(await get(harness.belay, `${path()}?${query}`), 400, { code: 20 });
    assert.match(String(error.details.field), new RegExp(`^${field}`), query);
  }
});
