import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  openApiErrors,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "../e2e/harness.js";
import { assertApiError, get, recordingRoutes, seedCall } from "./helpers.js";

/** Lists page newest first through the opaque `nextPageUri` cursor (relative to /apiserver). */

let harness: TestBelay;
let app: ScriptedApp;
let callIds: string[];
let recordingIds: string[];

before(async () => {
  harness = await startBelay({ listen: false });
  app = await startScriptedApp(recordingRoutes(3));
  callIds = [];
  recordingIds = [];
  for (let i = 0; i < 3; i++) {
    const call = await seedCall(harness.belay, app);
    callIds.push(call.callId);
    recordingIds.push(...call.recordingIds);
  }
  assert.equal(recordingIds.length, 9);
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

type ListPage = Record<string, unknown> & { nextPageUri: string | null; total: number };

/** Follows nextPageUri from `first` to the last page; returns every page. */
async function allPages(first: string): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  for (let path: string | null = first; path !== null; ) {
    const response = await get(harness.belay, `/apiserver${path}`);
    assert.equal(response.status, 200, response.body);
    const page = response.json<ListPage>();
    pages.push(page);
    assert.ok(pages.length <= 20, "paging ends");
    path = page.nextPageUri;
  }
  return pages;
}

test("calls: pageSize 2 gives pages of 2 and 1, newest first, through nextPageUri", async () => {
  const { accountId } = harness.belay.account;
  const pages = await allPages(`/Accounts/${accountId}/Calls?pageSize=2`);
  assert.equal(pages.length, 2);
  for (const page of pages) assert.deepEqual(openApiErrors("CallList", page), []);
  const [one, two] = pages as [ListPage, ListPage];
  assert.deepEqual([one.total, one.start, one.end, one.page, one.numPages, one.pageSize], [3, 0, 1, 0, 2, 2]);
  assert.match(
    String(one.nextPageUri),
    new RegExp(`^/Accounts/${accountId}/Calls\\?cursor=[\\w-]+&pageSize=2$`),
  );
  assert.deepEqual([two.total, two.start, two.end, two.page, two.nextPageUri], [3, 2, 2, 1, null]);
  const ids = pages.flatMap((p) => (p.calls as Array<{ callId: string }>).map((c) => c.callId));
  assert.deepEqual(ids, [...callIds].reverse());
});

test("recordings: every recording exactly once across pages of 4", async () => {
  const { accountId } = harness.belay.account;
  const pages = await allPages(`/Accounts/${accountId}/Recordings?pageSize=4`);
  assert.deepEqual(
    pages.map((p) => (p.recordings as unknown[]).length),
    [4, 4, 1],
  );
  for (const page of pages) assert.deepEqual(openApiErrors("RecordingList", page), []);
  const ids = pages.flatMap((p) =>
    (p.recordings as Array<{ recordingId: string }>).map((r) => r.recordingId),
  );
  assert.deepEqual([...ids].sort(), [...recordingIds].sort());
  assert.deepEqual(ids, [...recordingIds].reverse(), "newest first");
});

test("recordings of one call, through the callId filter, also page", async () => {
  const { accountId } = harness.belay.account;
  const callId = callIds[1] as string;
  const pages = await allPages(`/Accounts/${accountId}/Recordings?callId=${callId}&pageSize=2`);
  const ids = pages.flatMap((p) =>
    (p.recordings as Array<{ recordingId: string }>).map((r) => r.recordingId),
  );
  assert.deepEqual([...ids].sort(), recordingIds.slice(3, 6).sort());
  assert.ok(pages.every((p) => p.total === 3));
  // The filter survives in nextPageUri, or the second page would list other calls' recordings.
  assert.match(String(pages[0]?.nextPageUri), new RegExp(`callId=${callId}`));
});

test("the default page holds everything, with nextPageUri null", async () => {
  const response = await get(harness.belay, `/apiserver/Accounts/${harness.belay.account.accountId}/Calls`);
  const page = response.json<ListPage>();
  assert.deepEqual(
    [page.total, (page.calls as unknown[]).length, page.nextPageUri, page.numPages],
    [3, 3, null, 1],
  );
});

test("a cursor Belay did not issue, or a bad pageSize: 400 naming the parameter", async () => {
  const base = `/apiserver/Accounts/${harness.belay.account.accountId}/Calls`;
  for (const cursor of ["nonsense", "", Buffer.from("o-1").toString("base64url"), "%00"]) {
    const error = assertApiError(await get(harness.belay, `${base}?cursor=${cursor}`), 400, { code: 20 });
    assert.equal(error.details.field, "cursor", cursor);
  }
  for (const pageSize of ["0", "-1", "1.5", "abc", "100000"]) {
    const error = assertApiError(await get(harness.belay, `${base}?pageSize=${pageSize}`), 400);
    assert.equal(error.details.field, "pageSize", pageSize);
  }
  const error = assertApiError(
    await get(harness.belay, `/apiserver/Accounts/${harness.belay.account.accountId}/Recordings?callId=CA1`),
    400,
  );
  assert.equal(error.details.field, "callId");
});

test("a cursor past the end gives an empty last page", async () => {
  const cursor = Buffer.from("o50").toString("base64url");
  const response = await get(
    harness.belay,
    `/apiserver/Accounts/${harness.belay.account.accountId}/Calls?cursor=${cursor}`,
  );
  assert.equal(response.status, 200);
  const page = response.json<ListPage>();
  assert.deepEqual([page.total, page.calls, page.nextPageUri], [3, [], null]);
  assert.deepEqual(openApiErrors("CallList", page), []);
});
