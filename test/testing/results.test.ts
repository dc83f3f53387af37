import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { type AppRequest, signatureVerifies, startBelay, type TestBelay } from "belay/testing";
import { webhookSchema } from "../../src/contract/webhooks.js";
import { openApiErrors } from "../e2e/harness.js";

/** belay/testing's results: webhooks with the app's answers, said(), digitsCollected(), recordings. */

let belay: TestBelay;
before(async () => {
  belay = await startBelay();
});
after(() => belay.close());

/** A PIN line, as a PerCL function: GetDigits with a spoken prompt, then it reads the PIN back. */
function pinApp(request: AppRequest): unknown {
  if (request.path === "/voice")
    return [
      { Say: { text: "Welcome to the PIN line." } },
      {
        GetDigits: {
          actionUrl: `${request.baseUrl}/pin`,
          maxDigits: 4,
          finishOnKey: "#",
          prompts: [{ Say: { text: "Enter your PIN, then pound." } }],
        },
      },
    ];
  if (request.path === "/pin")
    return [{ Say: { text: `You entered ${String(request.body.digits)}.` } }, { Hangup: {} }];
  return [];
}

describe("a PerCL function as the app", () => {
  let call: Awaited<ReturnType<TestBelay["call"]>>;
  before(async () => {
    call = await belay.call({ app: pinApp, statusUrl: "/status", dtmf: ["12@5", { keys: "3#", at: 5.5 }] });
  });

  test("the call ends as the app said", () => {
    assert.equal(call.status, "completed");
    assert.equal(call.callEndedReason, "appHangup");
    assert.equal(call.failed, false);
    assert.equal(call.message, undefined);
  });

  test("said() gives each Say run, in full and in order; digitsCollected() what GetDigits got", () => {
    assert.deepEqual(call.said(), ["Welcome to the PIN line.", "You entered 123."]);
    assert.deepEqual(call.digitsCollected(), ["123"]);
  });

  test("every webhook with its body, the app's status and PerCL, in order", () => {
    assert.deepEqual(
      call.webhooks.map((w) => [w.requestType, new URL(w.url).pathname, w.status, w.ok]),
      [
        ["inboundCall", "/voice", 200, true],
        ["getDigits", "/pin", 200, true],
        ["callStatus", "/status", 200, true],
      ],
    );
    const getDigits = call.webhooksOf("getDigits")[0];
    assert.equal(getDigits?.body.digits, "123");
    assert.equal(getDigits?.body.reason, "finishKey");
    assert.deepEqual(getDigits?.percl, [{ Say: { text: "You entered 123." } }, { Hangup: {} }]);
    assert.equal(getDigits?.responseText, JSON.stringify(getDigits?.percl));
    for (const webhook of call.webhooks) {
      assert.equal(webhook.body.callId, call.callId);
      assert.equal(JSON.stringify(webhook.body), webhook.rawBody);
      assert.ok(webhook.latencyMs >= 0);
      webhookSchema.parse(webhook.body);
      const schema = `${webhook.requestType[0]?.toUpperCase()}${webhook.requestType.slice(1)}Webhook`;
      assert.deepEqual(openApiErrors(schema, webhook.body), [], schema);
    }
    assert.equal(call.webhooksOf("callStatus")[0]?.body.callStatus, "completed");
  });

  test("the timeline is the call's, from start to end", () => {
    assert.equal(call.timeline[0]?.type, "started");
    assert.deepEqual(call.timeline.at(-1), {
      type: "ended",
      at: call.timeline.at(-1)?.at,
      status: "completed",
      reason: "appHangup",
    });
    assert.deepEqual(
      call.timeline.filter((e) => e.type === "digit").map((e) => (e.type === "digit" ? e.digit : "")),
      ["1", "2", "3", "#"],
    );
  });

  test("webhookVerified() checks FreeClimb-Signature with the account's secret", () => {
    const [first] = call.webhooks;
    assert.ok(first);
    assert.equal(call.webhookVerified(first), true);
    assert.equal(belay.webhookVerified(first), true);
    assert.equal(call.webhookVerified({ ...first, rawBody: `${first.rawBody} ` }), false, "body altered");
    assert.equal(signatureVerifies(first, "sigsec_another"), false, "another secret");
    assert.equal(call.webhookVerified({ ...first, signature: null }), false, "unsigned");
  });
});

describe("a node:http handler as the app, and recordings", () => {
  test("a recording's webhook fields, exact duration and samples", async () => {
    const voice = new Int16Array(8000 * 3).map((_, i) => ((i * 7919) % 20000) - 10000);
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on("data", (c: Buffer) => chunks.push(c));
      request.on("end", () => {
        const base = `http://${request.headers.host}`;
        const percl =
          request.url === "/voice"
            ? [{ RecordUtterance: { actionUrl: `${base}/done`, finishOnKey: "#", silenceTimeoutMs: 30000 } }]
            : [{ Hangup: {} }];
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(percl));
      });
    };
    const call = await belay.call({ app: handler, audio: voice, dtmf: "#@4" });
    assert.equal(call.callEndedReason, "appHangup");
    const [recording] = call.recordings;
    assert.ok(recording);
    const record = call.webhooksOf("record")[0];
    assert.equal(recording.webhook, record?.body);
    assert.equal(recording.recordingId, record?.body.recordingId);
    assert.equal(recording.termReason, "finishKey");
    assert.equal(recording.recordingSize, String(recording.wav.length));
    // The caller spoke from 0 s for 3 s, then was silent until the # at 4 s (its frame not recorded).
    assert.equal(recording.samples.length, 4 * 8000);
    assert.equal(recording.durationSec, 4);
    assert.equal(recording.recordingDurationSec, 4);
    assert.deepEqual(recording.samples.subarray(0, voice.length), voice);
    assert.ok(recording.samples.subarray(voice.length).every((s) => s === 0));
  });
});

test("a privacyMode recording: flagged, and its audio readable while it lasts", async () => {
  const voice = new Int16Array(16000).fill(3000);
  const call = await belay.call({
    app: ({ path, baseUrl }: AppRequest) =>
      path === "/voice"
        ? [{ RecordUtterance: { actionUrl: `${baseUrl}/r`, maxLengthSec: 1, privacyMode: true } }]
        : [{ Hangup: {} }],
    audio: voice,
  });
  const [recording] = call.recordings;
  assert.equal(recording?.privacyMode, true);
  assert.equal(recording.termReason, "maxLength");
  assert.equal(recording.audioError, undefined);
  assert.deepEqual(recording.samples, voice.subarray(0, 8000));
});
