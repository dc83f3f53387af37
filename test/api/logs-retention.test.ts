import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SimulatedClock } from "../../src/time/clock.js";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { get, seedCall } from "./helpers.js";

/**
 * Call logs keep to --webhook-log-retention, pruned with the webhook delivery log. Belay runs on
 * a SimulatedClock with its periodic jobs stopped (see privacy.test.ts for why): time moves only
 * when the test sleeps on the clock, and pruning is driven by hand.
 */

const RETENTION_MS = 60_000;

let harness: TestBelay;
let app: ScriptedApp;
let clock: SimulatedClock;

before(async () => {
  clock = new SimulatedClock(Date.now());
  harness = await startBelay({ listen: false, clock, webhookLogRetentionMs: RETENTION_MS });
  harness.belay.privacy.stop();
  await harness.belay.deliveryLog.stop();
  await harness.belay.app.stopOutbox();
  app = await startScriptedApp({ "/voice": () => ({ status: 503, body: "" }) });
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

async function total(): Promise<number> {
  const response = await get(harness.belay, `/apiserver/Accounts/${harness.belay.account.accountId}/Logs`);
  assert.equal(response.status, 200, response.body);
  return response.json<{ total: number }>().total;
}

test("entries stay for the retention time, then the prune deletes them", async () => {
  await seedCall(harness.belay, app);
  await harness.belay.callLogs.settled();
  const logged = await total();
  assert.ok(logged >= 2);

  await clock.sleep(RETENTION_MS - 1);
  assert.equal(await harness.belay.callLogRetention.prune(), 0, "not yet past the retention");
  assert.equal(await total(), logged);

  await clock.sleep(2);
  assert.equal(await harness.belay.callLogRetention.prune(), logged);
  assert.equal(await total(), 0);
});

test("pruning the delivery log prunes the call logs too: one schedule for both", async () => {
  await seedCall(harness.belay, app);
  await harness.belay.callLogs.settled();
  assert.ok((await total()) > 0);
  await clock.sleep(RETENTION_MS + 1);
  await harness.belay.deliveryLog.prune();
  // The delivery log's prune started the call logs' one: wait for it to finish.
  await harness.belay.callLogRetention.stop();
  assert.equal(await total(), 0);
});
