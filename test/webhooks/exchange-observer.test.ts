import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { WebhookTarget } from "../../src/engine/ports.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { createAppClient, type WebhookExchange } from "../../src/webhooks/app-client.js";
import {
  ACCOUNT_ID,
  CALL_ID,
  captureLogger,
  inboundCallBody,
  MemoryDeliveryRepo,
  SECRET,
  startApp,
  type TestApp,
} from "./helpers.js";

/** onExchange: told of every request the client sends, as sent and as answered (src/testing uses it). */

let app: TestApp;
before(async () => {
  app = await startApp((request) =>
    request.path === "/percl" ? { status: 200, body: '[{"Hangup":{}}]' } : { status: 503, body: "busy" },
  );
});
after(() => app.close());

function client(exchanges: WebhookExchange[], secretsFor = async () => [SECRET] as readonly string[]) {
  const clock = new SimulatedClock(Date.now());
  return createAppClient({
    deliveries: new MemoryDeliveryRepo(clock),
    clock,
    logger: captureLogger().logger,
    secretsFor,
    onExchange: (exchange) => exchanges.push(exchange),
  });
}

const target = (url: string): WebhookTarget => ({
  accountId: ACCOUNT_ID,
  callId: CALL_ID,
  url,
  body: inboundCallBody() as WebhookTarget["body"],
});

test("a PerCL request: the signed bytes and header the app received, and its answer", async () => {
  const exchanges: WebhookExchange[] = [];
  await client(exchanges).requestPercl(target(`${app.base}/percl`));
  const [exchange] = exchanges;
  const received = app.requests.at(-1);
  assert.ok(exchange && received);
  assert.equal(exchange.body, received.body);
  assert.equal(exchange.signature, received.headers["freeclimb-signature"]);
  assert.equal(exchange.deliveryId, received.headers["belay-delivery-id"]);
  assert.deepEqual(
    [exchange.accountId, exchange.callId, exchange.requestType, exchange.url],
    [ACCOUNT_ID, CALL_ID, "inboundCall", `${app.base}/percl`],
  );
  assert.deepEqual(exchange.result.ok && [exchange.result.status, exchange.result.bodyText], [
    200,
    '[{"Hangup":{}}]',
  ]);
});

test("a notification through the outbox: each attempt, with its call and type", async () => {
  const exchanges: WebhookExchange[] = [];
  const appClient = client(exchanges);
  await appClient.notify({
    accountId: ACCOUNT_ID,
    callId: CALL_ID,
    url: `${app.base}/status`,
    body: inboundCallBody({ requestType: "callStatus", callStatus: "completed" }) as WebhookTarget["body"],
  });
  appClient.startOutbox();
  await appClient.drainOutbox();
  await appClient.stopOutbox();
  await appClient.close();
  assert.equal(exchanges.length, 1);
  assert.deepEqual(
    [exchanges[0]?.callId, exchanges[0]?.requestType, exchanges[0]?.result.status],
    [CALL_ID, "callStatus", 503],
  );
});

test("a request that could not be signed: reported with no signature, never sent", async () => {
  const exchanges: WebhookExchange[] = [];
  const sent = app.requests.length;
  await client(exchanges, async () => {
    throw new Error("no secret");
  }).requestPercl(target(`${app.base}/percl`));
  assert.equal(app.requests.length, sent);
  assert.equal(exchanges[0]?.signature, null);
  assert.match(exchanges[0]?.result.ok === false ? exchanges[0].result.error : "", /not sent: no secret/);
});
