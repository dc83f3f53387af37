import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { DEFAULTS } from "../../src/contract/defaults.js";
import { createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay, tempDir } from "../e2e/harness.js";
import { assertApiError, call, get, recordingRoutes, seedCall } from "./helpers.js";

/**
 * A privacyMode recording downloads until its two minutes are up, and is gone once the sweeper has
 * run. Belay runs on a SimulatedClock; its periodic jobs (the sweeper, the outbox poll and the
 * delivery log pruner) are stopped, because a simulated clock leaps to the next pending timer
 * whenever idle: with them running, two simulated minutes would pass within milliseconds. Time
 * moves only when the test sleeps on the clock, and the sweep is driven by hand.
 */

let harness: TestBelay;
let app: ScriptedApp;
let clock: SimulatedClock;

before(async () => {
  clock = new SimulatedClock(Date.now());
  harness = await startBelay({ listen: false, clock });
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
  await harness.belay.app.stopOutbox();
  app = await startScriptedApp(recordingRoutes(2, { privacyMode: true }));
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

test("a privacyMode recording downloads before its deadline and is 404 after the sweep", async () => {
  // Not fast: the call runs on Belay's own (simulated) clock, the one the sweeper reads.
  const { recordingIds } = await seedCall(harness.belay, app, { fast: false });
  assert.equal(recordingIds.length, 2);
  const { accountId } = harness.belay.account;
  const paths = recordingIds.map((id) => `/apiserver/Accounts/${accountId}/Recordings/${id}/Download`);
  const rows = await Promise.all(recordingIds.map((id) => harness.belay.store.recordings.get(accountId, id)));
  const deadlines = rows.map((row) => {
    assert.equal(row?.privacyMode, true);
    assert.ok(row?.deleteAt);
    return row.deleteAt;
  });
  const [first, second] = deadlines as [number, number];
  assert.ok(second > first, "the second recording completed later");

  // Nothing is due yet: the sweep deletes nothing and both download.
  assert.equal(await harness.belay.privacy.sweep(), 0);
  for (const path of paths) assert.equal((await get(harness.belay, path)).status, 200, path);

  // Just before the first deadline: still there.
  await clock.sleep(first - clock.now() - 1);
  assert.equal(await harness.belay.privacy.sweep(), 0);
  assert.equal((await get(harness.belay, paths[0] as string)).status, 200);

  // At the first deadline: the first goes, the second stays until its own.
  await clock.sleep(1);
  assert.equal(await harness.belay.privacy.sweep(), 1);
  assertApiError(await get(harness.belay, paths[0] as string), 404, { code: 68 });
  assertApiError(
    await get(harness.belay, `/apiserver/Accounts/${accountId}/Recordings/${recordingIds[0]}`),
    404,
    { code: 68 },
  );
  assert.equal((await get(harness.belay, paths[1] as string)).status, 200);

  await clock.sleep(second - clock.now());
  assert.equal(await harness.belay.privacy.sweep(), 1);
  assertApiError(await get(harness.belay, paths[1] as string), 404, { code: 68 });
  const list = await get(harness.belay, `/apiserver/Accounts/${accountId}/Recordings`);
  assert.equal(list.json().total, 0);
  assert.equal(second - first < DEFAULTS.privacyRetentionMs, true);
});

test("at its deadline a privacyMode recording is gone from every endpoint, before any sweep", async () => {
  const belay = harness.belay;
  const { accountId } = belay.account;
  const { callId, recordingIds } = await seedCall(belay, app, { fast: false });
  const [first, second] = recordingIds as [string, string];
  const row = await belay.store.recordings.get(accountId, first);
  assert.ok(row?.deleteAt);
  const base = `/apiserver/Accounts/${accountId}/Recordings`;
  const mint = await call(belay, "POST", `${base}/${first}/Links`, { body: { expiresInSec: 3600 } });
  assert.equal(mint.status, 201, mint.body);
  const link = new URL(mint.json<{ url: string }>().url);
  const openLink = () => call(belay, "GET", `${link.pathname}${link.search}`, { authorization: null });
  const listed = async (url: string) =>
    (await get(belay, url))
      .json<{ recordings: Array<{ recordingId: string }> }>()
      .recordings.map((r) => r.recordingId);

  await clock.sleep(row.deleteAt - 1 - clock.now());
  for (const suffix of ["", "/Download", "/Stream"]) {
    assert.equal((await get(belay, `${base}/${first}${suffix}`)).status, 200, suffix);
  }
  assert.equal((await openLink()).status, 200);
  assert.ok((await listed(base)).includes(first));
  assert.ok((await listed(`/apiserver/Accounts/${accountId}/Calls/${callId}/Recordings`)).includes(first));

  await clock.sleep(1);
  for (const suffix of ["", "/Download", "/Stream"]) {
    assertApiError(await get(belay, `${base}/${first}${suffix}`), 404, { code: 68 });
  }
  assertApiError(
    await call(belay, "GET", `${base}/${first}/Stream`, { headers: { range: "bytes=0-9" } }),
    404,
    { code: 68 },
  );
  assertApiError(await openLink(), 404, { code: 68 });
  assertApiError(await call(belay, "POST", `${base}/${first}/Links`, { body: {} }), 404, { code: 68 });
  assertApiError(await call(belay, "DELETE", `${base}/${first}`), 404, { code: 68 });
  assert.deepEqual(await listed(`${base}?callId=${callId}`), [second]);
  assert.deepEqual(await listed(`/apiserver/Accounts/${accountId}/Calls/${callId}/Recordings`), [second]);
  const page = (await get(belay, `${base}?callId=${callId}`)).json<{ total: number }>();
  assert.equal(page.total, 1, "the total counts only live recordings");

  // Not swept yet: gone by time alone. Then the sweeper deletes the file and the metadata.
  assert.ok(await belay.store.recordings.get(accountId, first));
  assert.ok(await belay.engine.deps.blobs.stat(row.blobKey));
  assert.equal(await belay.privacy.sweep(), 1);
  assert.equal(await belay.store.recordings.get(accountId, first), undefined);
  assert.equal(await belay.engine.deps.blobs.stat(row.blobKey), undefined);
});

test("a deadline that passed while Belay was down is honoured on the next start", async () => {
  const data = await tempDir("privacy-restart");
  try {
    // The first run's clock is an hour behind, so its recording came due while "down".
    const past = new SimulatedClock(Date.now() - 3600_000);
    const config = { dataDir: data.dir, port: 0, logLevel: "silent" };
    const first = await createBelay(resolveConfig({ ...config, clock: past }, {}));
    first.privacy.stop();
    await first.deliveryLog.stop();
    await first.app.stopOutbox();
    const { recordingIds } = await seedCall(first, app, { fast: false });
    const id = recordingIds[0] as string;
    const row = await first.store.recordings.get(first.account.accountId, id);
    assert.ok(row?.deleteAt && row.deleteAt < Date.now());
    const file = path.join(data.dir, "blobs", ...row.blobKey.split("/"));
    await first.close();

    const second = await createBelay(resolveConfig(config, {}));
    try {
      assert.equal(second.account.accountId, first.account.accountId);
      // The start-up sweep is in flight or done; sweep() joins it or finds nothing left.
      await second.privacy.sweep();
      assert.equal(await second.store.recordings.get(row.accountId, id), undefined);
      assert.equal(await second.engine.deps.blobs.stat(row.blobKey), undefined, file);
      const response = await get(second, `/apiserver/Accounts/${row.accountId}/Recordings/${id}/Download`);
      assertApiError(response, 404, { code: 68 });
    } finally {
      await second.close();
    }
  } finally {
    await data.remove();
  }
});
