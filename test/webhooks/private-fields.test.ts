import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { WebhookTarget } from "../../src/engine/ports.js";
import { isBelayError } from "../../src/errors.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { createAppClient } from "../../src/webhooks/app-client.js";
import {
  ACCOUNT_ID,
  CALL_ID,
  captureLogger,
  MemoryDeliveryRepo,
  SECRET,
  startApp,
  type TestApp,
} from "./helpers.js";

/** privacyMode input in a webhook body: sent to the app as is, kept in the delivery log as null. */

const CARD = "4111111111111111";
let app: TestApp;

before(async () => {
  app = await startApp(() => ({ status: 200, body: '[{"Hangup":{}}]' }));
});
after(() => app.close());

function setup() {
  const clock = new SimulatedClock(Date.now());
  const deliveries = new MemoryDeliveryRepo(clock);
  const log = captureLogger();
  const client = createAppClient({ deliveries, clock, logger: log.logger, secretsFor: async () => [SECRET] });
  return { deliveries, client, log };
}

function getDigitsTarget(privateFields?: readonly string[]): WebhookTarget {
  return {
    accountId: ACCOUNT_ID,
    callId: CALL_ID,
    url: `${app.base}/card`,
    body: {
      requestType: "getDigits",
      accountId: ACCOUNT_ID,
      callId: CALL_ID,
      digits: CARD,
      reason: "finishKey",
    },
    ...(privateFields ? { privateFields } : {}),
  };
}

test("a private field reaches the app; the delivery log holds it as null, marked redacted, and no log line has it", async () => {
  const { deliveries, client, log } = setup();
  const before = app.requests.length;
  const outcome = await client.requestPercl(getDigitsTarget(["digits"]));
  assert.equal(outcome.ok, true);
  const sent = app.requests[before];
  assert.equal((JSON.parse(sent?.body ?? "{}") as { digits?: string }).digits, CARD);
  const [row] = deliveries.all();
  assert.equal(row?.redacted, true);
  assert.equal(
    row?.body,
    `{"accountId":"${ACCOUNT_ID}","callId":"${CALL_ID}","digits":null,"reason":"finishKey","requestType":"getDigits"}`,
  );
  assert.ok(
    log.lines.some((line) => line.msg === "PerCL webhook answered"),
    "a debug line was written",
  );
  assert.equal(log.raw.join("").includes(CARD), false);
});

test("without private fields the delivery log holds the exact body sent", async () => {
  const { deliveries, client } = setup();
  const before = app.requests.length;
  await client.requestPercl(getDigitsTarget());
  const [row] = deliveries.all();
  assert.equal(row?.redacted, false);
  assert.equal(row?.body, app.requests[before]?.body);
});

test("a notification with private fields is refused: the outbox would have to store them", async () => {
  const { deliveries, client } = setup();
  await assert.rejects(client.notify(getDigitsTarget(["digits"])), (err) =>
    isBelayError(err, "WEBHOOK_PRIVATE_NOTIFICATION"),
  );
  assert.deepEqual(deliveries.all(), []);
});
