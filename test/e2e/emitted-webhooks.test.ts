import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { directRouting } from "../../src/calls/inbound-route.js";
import { runVirtualCall } from "../../src/calls/virtual-call.js";
import { newId } from "../../src/contract/ids.js";
import { verifySignature } from "../../src/contract/signature.js";
import { type Belay, createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { validate } from "../helpers/openapi.js";

/**
 * Every webhook Belay emits on a real call, over real HTTP, validated against FreeClimb's
 * OpenAPI schema for its requestType.
 */

const SCHEMA_FOR: Record<string, string> = {
  inboundCall: "InboundCallWebhook",
  redirect: "RedirectWebhook",
  getDigits: "GetDigitsWebhook",
  record: "RecordWebhook",
  callStatus: "CallStatusWebhook",
  addToQueueNotification: "AddToQueueNotificationWebhook",
  queueWait: "QueueWaitWebhook",
  dequeue: "DequeueWebhook",
  removeFromQueueNotification: "RemoveFromQueueNotificationWebhook",
};

// FreeClimb's OpenAPI omits `nullable: true` on these fields, which docs/contract.md sends as null.
const NULLABLE_GAPS = new Set(["conferenceId", "parentCallId", "recordingId", "recordingUrl"]);

interface Received {
  path: string;
  raw: string;
  signature: string;
}

const QUEUE_ID = newId("QU");
let belay: Belay;
let app: Server;
let appUrl: string;
let dataDir: string;
const received: Received[] = [];

const scripts: Record<string, (base: string) => unknown[]> = {
  "/voice": (base) => [{ Say: { text: "Hello" } }, { Redirect: { actionUrl: `${base}/menu` } }],
  "/menu": (base) => [
    {
      GetDigits: {
        actionUrl: `${base}/digits`,
        maxDigits: 3,
        prompts: [{ Say: { text: "Enter three digits" } }],
      },
    },
  ],
  "/digits": (base) => [
    { RecordUtterance: { actionUrl: `${base}/recorded`, finishOnKey: "#", silenceTimeoutMs: 3000 } },
  ],
  "/recorded": () => [{ Hangup: {} }],
  "/queue": (base) => [
    {
      Enqueue: {
        queueId: QUEUE_ID,
        waitUrl: `${base}/hold`,
        actionUrl: `${base}/dequeued`,
        notificationUrl: `${base}/queued`,
      },
    },
  ],
  "/hold": (base) => [
    {
      GetDigits: { actionUrl: `${base}/pressed`, maxDigits: 1, prompts: [{ Say: { text: "Please hold" } }] },
    },
  ],
  "/pressed": () => [{ Dequeue: {} }],
  "/dequeued": () => [{ Hangup: {} }],
};

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "belay-emitted-"));
  belay = await createBelay(resolveConfig({ dataDir, port: 0, logLevel: "silent" }, {}));
  await belay.listen();
  app = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const route = request.url ?? "/";
      received.push({
        path: route,
        raw: Buffer.concat(chunks).toString("utf8"),
        signature: String(request.headers["freeclimb-signature"]),
      });
      const script = scripts[route];
      response
        .writeHead(200, { "Content-Type": "application/json" })
        .end(JSON.stringify(script ? script(appUrl) : []));
    });
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const address = app.address();
  appUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

after(async () => {
  await belay.close();
  await new Promise((resolve) => app.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

test("every webhook of a call is signed, compact and valid against FreeClimb's OpenAPI", async () => {
  const { outcome } = await runVirtualCall(
    belay.engine,
    {
      routing: directRouting(belay.account.accountId, `${appUrl}/voice`, `${appUrl}/status`),
      from: "+15550001111",
      to: "+15550002222",
      fast: true,
      script: {
        dtmf: [
          { keys: "123", atMs: 2000 },
          { keys: "#", atMs: 6000 },
        ],
      },
    },
    () => undefined,
  );
  assert.equal(outcome.reason, "appHangup");
  await belay.app.drainOutbox();

  const types = received.map((r) => (JSON.parse(r.raw) as { requestType: string }).requestType);
  assert.deepEqual(types, ["inboundCall", "redirect", "getDigits", "record", "callStatus"]);
  assertSignedAndValid(received);
  const digits = JSON.parse(received[2]?.raw ?? "{}") as { digits: string; reason: string };
  assert.deepEqual([digits.digits, digits.reason], ["123", "maxDigits"]);
  const status = JSON.parse(received[4]?.raw ?? "{}") as { callEndedReason: string; callStatus: string };
  assert.deepEqual([status.callEndedReason, status.callStatus], ["appHangup", "completed"]);
});

test("a queued call's webhooks are signed and valid too: addToQueueNotification, queueWait, dequeue", async () => {
  const from = received.length;
  const { outcome } = await runVirtualCall(
    belay.engine,
    {
      routing: directRouting(belay.account.accountId, `${appUrl}/queue`, `${appUrl}/status`),
      from: "+15550001111",
      to: "+15550002222",
      fast: true,
      script: { dtmf: [{ keys: "1", atMs: 5000 }] },
    },
    () => undefined,
  );
  assert.equal(outcome.reason, "appHangup");
  await belay.app.drainOutbox();
  const mine = received.slice(from);
  // Notifications go through the outbox, so only the PerCL requests arrive in a fixed order.
  const notified = new Set(["/queued", "/status"]);
  assert.deepEqual(
    mine.map((r) => r.path).filter((p) => !notified.has(p)),
    ["/queue", "/hold", "/pressed", "/dequeued"],
  );
  const at = (route: string) => {
    const found = mine.filter((r) => r.path === route);
    assert.equal(found.length, 1, `one request to ${route}`);
    return JSON.parse(found[0]?.raw ?? "{}") as Record<string, unknown>;
  };
  const expected: Array<[string, string, string | null]> = [
    ["/queue", "inboundCall", null],
    ["/queued", "addToQueueNotification", QUEUE_ID],
    ["/hold", "queueWait", QUEUE_ID],
    ["/pressed", "getDigits", QUEUE_ID],
    ["/dequeued", "dequeue", QUEUE_ID],
    ["/status", "callStatus", null],
  ];
  for (const [route, requestType, queueId] of expected) {
    assert.deepEqual([at(route).requestType, at(route).queueId], [requestType, queueId], route);
  }
  const wait = at("/hold");
  assert.deepEqual([wait.queuePosition, wait.queueTime, wait.currentQueueSize], ["1", 0, 1]);
  const dequeued = at("/dequeued");
  assert.deepEqual([dequeued.queueResult, dequeued.queueTime], ["dequeued", 5]);
  assertSignedAndValid(mine);
});

/** Each body: valid against FreeClimb's schema for its type, compact with sorted keys, signed. */
function assertSignedAndValid(requests: readonly Received[]): void {
  for (const { raw, signature } of requests) {
    const body = JSON.parse(raw) as Record<string, unknown>;
    const schema = SCHEMA_FOR[body.requestType as string] as string;
    const errors = validate(schema, body).filter((error) => {
      const field = /^\/(\w+) must be string$/.exec(error)?.[1];
      return !(field && NULLABLE_GAPS.has(field) && body[field] === null);
    });
    assert.deepEqual(errors, [], `${schema}: ${raw}`);
    assert.equal(raw, JSON.stringify(body, Object.keys(body).sort()), "compact JSON with sorted keys");
    const now = Math.floor(Date.now() / 1000);
    assert.deepEqual(verifySignature(signature, raw, [belay.account.signingSecret], now), { ok: true });
  }
}
