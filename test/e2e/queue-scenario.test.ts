import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ScenarioCallResult } from "../../src/calls/scenario.js";
import { newId } from "../../src/contract/ids.js";
import { verifySignature } from "../../src/contract/signature.js";
import { webhookSchema } from "../../src/contract/webhooks.js";
import {
  type AppHit,
  openApiErrors,
  runScenarioRequest,
  type ScriptedApp,
  sortedCompactJson,
  startBelay,
  startScriptedApp,
  type TestBelay,
} from "./harness.js";

/**
 * A scenario of three virtual callers on simulated time, against a real Belay and a real app over
 * HTTP: they wait in one queue for up to 22 minutes, each taking itself out with Dequeue once it
 * is at the front and has waited 20 minutes; one gives up on the way. The run takes a moment.
 */

const MINUTE = 60_000;
const QUEUE_ID = newId("QU");
const SCHEMA_FOR: Record<string, string> = {
  inboundCall: "InboundCallWebhook",
  addToQueueNotification: "AddToQueueNotificationWebhook",
  queueWait: "QueueWaitWebhook",
  dequeue: "DequeueWebhook",
  removeFromQueueNotification: "RemoveFromQueueNotificationWebhook",
  callStatus: "CallStatusWebhook",
};

let harness: TestBelay;
let app: ScriptedApp;

before(async () => {
  harness = await startBelay();
  app = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        {
          Enqueue: {
            queueId: QUEUE_ID,
            waitUrl: `${base}/wait`,
            actionUrl: `${base}/left`,
            notificationUrl: `${base}/queued`,
          },
        },
      ],
    }),
    "/wait": ({ body }) => ({
      body:
        body.queuePosition === "1" && Number(body.queueTime) >= 1200
          ? [{ Dequeue: {} }]
          : [{ Pause: { length: MINUTE } }],
    }),
    "/left": () => ({ body: [{ Hangup: {} }] }),
  });
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

async function runScenario(body: Record<string, unknown>): Promise<ScenarioCallResult[]> {
  return (await runScenarioRequest(harness.belay, body)).calls;
}

test("three virtual callers wait up to 22 simulated minutes in a queue and leave front first", async () => {
  const caller = (name: string, startAtMs: number, extra: Record<string, unknown> = {}) => ({
    name,
    from: `+1555000100${name.length}`,
    to: "+15550002000",
    appUrl: `${app.url}/voice`,
    statusUrl: `${app.url}/status`,
    startAtMs,
    ...extra,
  });
  const calls = await runScenario({
    fast: true,
    callers: [
      caller("a", 0),
      // b gives up at 10:45, its time counting from its answer at 1:30.
      caller("bb", 90_000, { hangupAtMs: 9 * MINUTE + 15_000 }),
      caller("ccc", 150_000),
    ],
  });
  await harness.belay.app.drainOutbox();

  const ended = Object.fromEntries(calls.map((c) => [c.call, [c.reason, c.endedAtMs]]));
  assert.deepEqual(ended, {
    a: ["appHangup", 20 * MINUTE],
    bb: ["farEndHangup", 10 * MINUTE + 45_000],
    ccc: ["appHangup", 22 * MINUTE + 30_000],
  });
  const idOf = (name: string) => calls.find((c) => c.call === name)?.callId;
  const hitsOf = (name: string): AppHit[] => app.hits.filter((h) => h.body.callId === idOf(name));

  // ccc: third, second once bb gave up, front once a left; out at 22:30 after 20 minutes.
  const waits = hitsOf("ccc")
    .filter((h) => h.path === "/wait")
    .map((h) => [h.body.queuePosition, h.body.currentQueueSize, h.body.queueTime]);
  const minutes = (from: number, n: number, position: string, size: number) =>
    Array.from({ length: n }, (_, k) => [position, size, (from + k) * 60]);
  assert.deepEqual(waits, [...minutes(0, 9, "3", 3), ...minutes(9, 9, "2", 2), ...minutes(18, 3, "1", 1)]);

  const left = (name: string) => hitsOf(name).find((h) => h.path === "/left")?.body;
  assert.deepEqual(
    [left("a")?.requestType, left("a")?.queueResult, left("a")?.queueTime],
    ["dequeue", "dequeued", 1200],
  );
  assert.deepEqual(
    [left("bb")?.requestType, left("bb")?.queueResult, left("bb")?.queueTime],
    ["removeFromQueueNotification", "hangup", 555],
  );
  assert.deepEqual([left("ccc")?.queueResult, left("ccc")?.queueTime], ["dequeued", 1200]);

  const mine = app.hits.filter(
    (h) => h.body.queueId === QUEUE_ID || h.path === "/voice" || h.path === "/status",
  );
  assert.ok(mine.length > 60, "every queueWait of the three callers");
  for (const hit of mine) {
    const type = String(hit.body.requestType);
    const schema = SCHEMA_FOR[type];
    assert.ok(schema, `a ${type} webhook`);
    assert.deepEqual(openApiErrors(schema, hit.body), [], `${type} matches ${schema}`);
    assert.ok(webhookSchema.safeParse(hit.body).success, `${type} is a valid Belay webhook`);
    assert.equal(hit.rawBody, sortedCompactJson(hit.body));
    const now = Math.floor(Date.now() / 1000);
    const signed = verifySignature(
      String(hit.signature),
      hit.rawBody,
      [harness.belay.account.signingSecret],
      now,
    );
    assert.deepEqual(signed, { ok: true });
  }
  const row = await harness.belay.store.queues.get(harness.belay.account.accountId, QUEUE_ID);
  assert.deepEqual([row?.removals, row?.removalSeconds], [3, 1200 + 555 + 1200]);
});
