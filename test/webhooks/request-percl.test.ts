import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import freeClimbSDK from "@freeclimb/sdk";
import type { WebhookTarget } from "../../src/engine/ports.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { createAppClient } from "../../src/webhooks/app-client.js";
import {
  ACCOUNT_ID,
  CALL_ID,
  captureLogger,
  closedPort,
  inboundCallBody,
  MemoryDeliveryRepo,
  OLD_SECRET,
  SECRET,
  startApp,
  type TestApp,
  WARN,
} from "./helpers.js";

/** The SDK's types leave out `utils`, which the factory returns at run time. */
type SdkUtils = {
  verifyRequest(body: string, signatureHeader: string, signingSecret: string, toleranceMs?: number): void;
};
const sdkUtils = (freeClimbSDK(ACCOUNT_ID, "apikey") as unknown as { utils: SdkUtils }).utils;

const EXPECTED_BODY =
  `{"accountId":"${ACCOUNT_ID}","callId":"${CALL_ID}","callStatus":"ringing","conferenceId":null,` +
  `"direction":"inbound","from":"+13125550199","parentCallId":null,"queueId":null,` +
  `"requestType":"inboundCall","to":"+13125550100"}`;

const VALID_PERCL = '[{"Say":{"text":"Hello"}},{"Hangup":{}}]';

function hmacHex(secret: string, t: string, body: string): string {
  return createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
}

function setup(options: { timeoutMs?: number; secrets?: readonly string[]; startMs?: number } = {}) {
  const clock = new SimulatedClock(options.startMs ?? Date.now());
  const deliveries = new MemoryDeliveryRepo(clock);
  const log = captureLogger();
  const client = createAppClient({
    deliveries,
    clock,
    logger: log.logger,
    secretsFor: async (accountId) => {
      assert.equal(accountId, ACCOUNT_ID);
      return options.secrets ?? [SECRET];
    },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return { clock, deliveries, client, log };
}

function target(url: string, body: Record<string, unknown> = inboundCallBody()): WebhookTarget {
  return { accountId: ACCOUNT_ID, callId: CALL_ID, url, body: body as WebhookTarget["body"] };
}

describe("requestPercl", () => {
  let app: TestApp;
  before(async () => {
    app = await startApp((request) => {
      const replies: Record<string, { status: number; body: string } | "hang"> = {
        "/percl": { status: 200, body: VALID_PERCL },
        "/500": { status: 500, body: "boom" },
        "/404": { status: 404, body: "" },
        "/html": { status: 200, body: "<html>hello</html>" },
        "/empty": { status: 200, body: "" },
        "/blank": { status: 200, body: " \r\n\t " },
        "/empty-array": { status: 200, body: "[]" },
        "/null": { status: 200, body: "null" },
        "/no-content": { status: 204, body: "" },
        "/invalid-percl": { status: 200, body: '[{"Say":{"text":"hi"}},{"GetDigits":{"maxDigits":4}}]' },
        "/unknown-command": { status: 200, body: '[{"Dance":{}}]' },
        "/hang": "hang",
        // Valid PerCL, padded with white space past the 1 MB cap.
        "/huge": { status: 200, body: `[{"Hangup":{}}${" ".repeat(1024 * 1024)}]` },
      };
      return replies[request.path] ?? { status: 404, body: "" };
    });
  });
  after(() => app.close());

  test("signs the exact compact, sorted body; the HMAC and the official SDK both verify it", async () => {
    const { client, clock } = setup({ secrets: [SECRET, OLD_SECRET] });
    const outcome = await client.requestPercl(target(`${app.base}/percl`));
    assert.equal(outcome.ok, true);
    const seen = app.requests.at(-1);
    assert.ok(seen);
    assert.equal(seen.body, EXPECTED_BODY);

    const header = String(seen.headers["freeclimb-signature"]);
    const match = /^t=(\d+),v1=([0-9a-f]{64}),v1=([0-9a-f]{64})$/.exec(header);
    assert.ok(match, header);
    const [, t, first, second] = match;
    assert.equal(Number(t), Math.floor(clock.now() / 1000));
    assert.equal(first, hmacHex(SECRET, String(t), seen.body));
    assert.equal(second, hmacHex(OLD_SECRET, String(t), seen.body));

    assert.doesNotThrow(() => sdkUtils.verifyRequest(seen.body, header, SECRET));
    assert.doesNotThrow(() => sdkUtils.verifyRequest(seen.body, header, OLD_SECRET));
    assert.throws(() => sdkUtils.verifyRequest(seen.body, header, `sigsec_${"ef".repeat(20)}`), /Unverified/);
    assert.throws(() => sdkUtils.verifyRequest(`${seen.body} `, header, SECRET), /Unverified/);
    assert.match(String(seen.headers["belay-delivery-id"]), /^RQ[0-9a-f]{40}$/);
  });

  test("the signature time is the clock's, in unix seconds", async () => {
    const { client } = setup({ startMs: 1_700_000_000_999 });
    await client.requestPercl(target(`${app.base}/percl`));
    const header = String(app.requests.at(-1)?.headers["freeclimb-signature"]);
    assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
  });

  test("a valid script comes back parsed, and the request is in the delivery log", async () => {
    const { client, deliveries, log } = setup();
    const outcome = await client.requestPercl(target(`${app.base}/percl`));
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.script, [
      { name: "Say", attrs: { text: "Hello" } },
      { name: "Hangup", attrs: {} },
    ]);
    assert.equal(outcome.status, 200);
    assert.equal(outcome.url, `${app.base}/percl`);
    const rows = await deliveries.listByCall(CALL_ID);
    assert.equal(rows.length, 1);
    const row = rows[0];
    assert.ok(row);
    assert.equal(row.deliveryId, app.requests.at(-1)?.headers["belay-delivery-id"]);
    assert.deepEqual(
      {
        durable: row.durable,
        state: row.state,
        attempts: row.attempts,
        lastStatus: row.lastStatus,
        lastError: row.lastError,
        requestType: row.requestType,
        url: row.url,
        body: row.body,
        accountId: row.accountId,
        nextAttemptAt: row.nextAttemptAt,
      },
      {
        durable: false,
        state: "delivered",
        attempts: 1,
        lastStatus: 200,
        lastError: null,
        requestType: "inboundCall",
        url: `${app.base}/percl`,
        body: EXPECTED_BODY,
        accountId: ACCOUNT_ID,
        nextAttemptAt: null,
      },
    );
    assert.equal(row.latencyMs, outcome.latencyMs);
    assert.equal(log.lines.filter((l) => l.level >= WARN).length, 0, "a success logs no warning");
  });

  const failures: {
    path: string;
    reason: string;
    status: number | null;
    message: (url: string) => string;
  }[] = [
    { path: "/500", reason: "webhookFailed", status: 500, message: (u) => `POST ${u} answered 500` },
    { path: "/404", reason: "webhookFailed", status: 404, message: (u) => `POST ${u} answered 404` },
    {
      path: "/html",
      reason: "webhookInvalidResponse",
      status: 200,
      message: (u) => `POST ${u} answered 200 with a body that is not JSON`,
    },
    {
      path: "/empty",
      reason: "appNoPercl",
      status: 200,
      message: (u) => `POST ${u} answered 200 with an empty body`,
    },
    {
      path: "/blank",
      reason: "appNoPercl",
      status: 200,
      message: (u) => `POST ${u} answered 200 with an empty body`,
    },
    {
      path: "/empty-array",
      reason: "appNoPercl",
      status: 200,
      message: (u) => `POST ${u} answered 200 with an empty array`,
    },
    { path: "/null", reason: "appNoPercl", status: 200, message: (u) => `POST ${u} answered 200 with null` },
    {
      path: "/no-content",
      reason: "appNoPercl",
      status: 204,
      message: (u) => `POST ${u} answered 204 with an empty body`,
    },
    {
      path: "/invalid-percl",
      reason: "appInvalidPercl",
      status: 200,
      message: (u) => `POST ${u} returned invalid PerCL: command 1 (GetDigits): "actionUrl"`,
    },
    {
      path: "/unknown-command",
      reason: "appInvalidPercl",
      status: 200,
      message: (u) => `POST ${u} returned invalid PerCL: command 0`,
    },
    {
      path: "/huge",
      reason: "webhookFailed",
      status: 200,
      message: (u) => `POST ${u} answered 200 and sent a response body over 1048576 bytes`,
    },
  ];

  for (const failure of failures) {
    test(`${failure.path} → ${failure.reason}`, async () => {
      const { client, deliveries, log } = setup();
      const url = `${app.base}${failure.path}`;
      const outcome = await client.requestPercl(target(url));
      assert.ok(!outcome.ok);
      assert.equal(outcome.reason, failure.reason);
      assert.equal(outcome.status, failure.status);
      assert.equal(outcome.url, url);
      assert.ok(
        outcome.message.startsWith(failure.message(url)),
        `"${outcome.message}" should start with "${failure.message(url)}"`,
      );

      const [row] = await deliveries.listByCall(CALL_ID);
      assert.ok(row);
      assert.equal(row.lastStatus, failure.status);
      assert.equal(row.lastError, outcome.message);
      assert.equal(row.state, failure.reason === "webhookFailed" ? "failed" : "delivered");

      const warns = log.lines.filter((l) => l.level === WARN);
      assert.equal(warns.length, 1);
      const warn = warns[0];
      assert.ok(warn);
      assert.deepEqual(
        [warn.url, warn.status, warn.requestType, warn.callId, warn.reason, warn.msg],
        [url, failure.status, "inboundCall", CALL_ID, failure.reason, outcome.message],
      );
    });
  }

  test("a closed port → webhookFailed naming the errno", async () => {
    const { client } = setup();
    const url = `http://127.0.0.1:${await closedPort()}/voice`;
    const outcome = await client.requestPercl(target(url));
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, "webhookFailed");
    assert.equal(outcome.status, null);
    assert.equal(outcome.message, `POST ${url} failed: connect ECONNREFUSED`);
  });

  test("an app that never answers → webhookFailed after the time limit", async () => {
    const { client } = setup({ timeoutMs: 200 });
    const url = `${app.base}/hang`;
    const outcome = await client.requestPercl(target(url));
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, "webhookFailed");
    assert.equal(outcome.message, `POST ${url} timed out after 200 ms`);
  });

  test("the fallback is tried once when the first URL fails, re-signed, with the same body", async () => {
    const { client, deliveries } = setup();
    const before = app.requests.length;
    const outcome = await client.requestPercl(target(`${app.base}/500`), {
      fallbackUrl: `${app.base}/percl`,
    });
    assert.ok(outcome.ok);
    assert.equal(outcome.url, `${app.base}/percl`);
    const sent = app.requests.slice(before);
    assert.deepEqual(
      sent.map((r) => r.path),
      ["/500", "/percl"],
    );
    assert.equal(sent[0]?.body, sent[1]?.body);
    for (const request of sent) {
      const header = String(request.headers["freeclimb-signature"]);
      assert.doesNotThrow(() => sdkUtils.verifyRequest(request.body, header, SECRET));
    }
    const rows = await deliveries.listByCall(CALL_ID);
    assert.deepEqual(
      rows.map((r) => [r.url, r.state, r.lastStatus]),
      [
        [`${app.base}/500`, "failed", 500],
        [`${app.base}/percl`, "delivered", 200],
      ],
    );
  });

  test("an answer over 1 MB is a failed fetch: the fallback is tried", async () => {
    const { client, deliveries } = setup();
    const before = app.requests.length;
    const outcome = await client.requestPercl(target(`${app.base}/huge`), {
      fallbackUrl: `${app.base}/percl`,
    });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(
      app.requests.slice(before).map((r) => r.path),
      ["/huge", "/percl"],
    );
    const rows = await deliveries.listByCall(CALL_ID);
    assert.deepEqual(
      rows.map((r) => [r.url, r.state, r.lastStatus]),
      [
        [`${app.base}/huge`, "failed", 200],
        [`${app.base}/percl`, "delivered", 200],
      ],
    );
  });

  test("the fallback is not used on success, nor when the app answered with bad PerCL", async () => {
    const { client } = setup();
    for (const path of ["/percl", "/invalid-percl", "/empty-array", "/html"]) {
      const before = app.requests.length;
      await client.requestPercl(target(`${app.base}${path}`), { fallbackUrl: `${app.base}/percl` });
      assert.deepEqual(
        app.requests.slice(before).map((r) => r.path),
        [path],
      );
    }
  });

  test("when the fallback fails too, its outcome names both failures", async () => {
    const { client, log } = setup();
    const dead = `http://127.0.0.1:${await closedPort()}/fallback`;
    const outcome = await client.requestPercl(target(`${app.base}/500`), { fallbackUrl: dead });
    assert.ok(!outcome.ok);
    assert.equal(outcome.reason, "webhookFailed");
    assert.equal(outcome.url, dead);
    assert.equal(
      outcome.message,
      `POST ${dead} failed: connect ECONNREFUSED, after POST ${app.base}/500 answered 500`,
    );
    assert.equal(log.lines.filter((l) => l.level === WARN).length, 2);
  });

  test("logs never carry the signing secret or a privacyMode body", async () => {
    const { client, log } = setup();
    const body = inboundCallBody({
      requestType: "record",
      privacyMode: true,
      recordingUrl: "http://127.0.0.1/secret-recording-url",
    });
    await client.requestPercl(target(`${app.base}/500`, body));
    const text = log.raw.join("");
    assert.ok(text.length > 0);
    assert.ok(!text.includes(SECRET));
    assert.ok(!text.includes("secret-recording-url"));
  });

  test("simulated time stands still while a webhook is in flight", async () => {
    const { client, clock } = setup();
    let firedDuringRequest: boolean | undefined;
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 1);
    const slowApp = await startApp(async () => {
      // Give the simulated clock every chance to step (several turns of the event loop).
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      firedDuringRequest = fired;
      return { status: 200, body: VALID_PERCL };
    });
    try {
      const start = clock.now();
      const outcome = await client.requestPercl(target(`${slowApp.base}/voice`));
      assert.ok(outcome.ok);
      assert.equal(firedDuringRequest, false);
      assert.equal(clock.now(), start);
    } finally {
      await slowApp.close();
    }
  });
});
