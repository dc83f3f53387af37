import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEFAULTS } from "../../src/contract/defaults.js";
import { SimulatedClock } from "../../src/engine/clock.js";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { assertApiError, get, recordingRoutes, seedCall } from "./helpers.js";

/**
 * A privacyMode recording downloads until its two minutes are up, and is gone once the sweeper has
 * run. Belay runs on a SimulatedClock; its periodic jobs (the sweeper and the outbox poll) are
 * stopped, because a simulated clock leaps to the next pending timer whenever idle: with them
 * running, two simulated minutes would pass within milliseconds. Time moves only when the test
 * sleeps on the clock, and the sweep is driven by hand.
 */

let harness: TestBelay;
let app: ScriptedApp;
let clock: SimulatedClock;

before(async () => {
  clock = new SimulatedClock(Date.now());
  harness = await startBelay({ listen: false, clock });
  harness.belay.privacy.stop();
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
