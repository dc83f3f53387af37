import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { directRouting } from "../../src/calls/inbound-route.js";
import { runVirtualCall } from "../../src/calls/virtual-call.js";
import { callResultSchema } from "../../src/contract/rest.js";
import { webhookSchema } from "../../src/contract/webhooks.js";
import { encodeWav } from "../../src/media/wav-write.js";
import { FROM, openApiErrors, startBelay, type TestBelay, TO } from "../e2e/harness.js";
import { sine, toInt16 } from "../media/signals.js";
import { get } from "./helpers.js";

/**
 * PlayEarlyMedia then Hangup, over real HTTP: the call is never answered, and the callStatus
 * webhook and the REST Call resource say so (docs/early-media.md), each valid against FreeClimb's
 * OpenAPI document and Belay's strict schemas.
 */

const EARLY = toInt16(sine(425, 8000, 1.3, 8000));

let harness: TestBelay;
let app: Server;
let base: string;
const statusBodies: string[] = [];

before(async () => {
  harness = await startBelay({ listen: false });
  app = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/early.wav") {
        response.writeHead(200, { "Content-Type": "audio/wav" }).end(encodeWav(EARLY));
        return;
      }
      if (request.url === "/status") statusBodies.push(Buffer.concat(chunks).toString("utf8"));
      const percl =
        request.url === "/voice" ? [{ PlayEarlyMedia: { file: `${base}/early.wav` } }, { Hangup: {} }] : [];
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(percl));
    });
  });
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

after(async () => {
  await harness.stop();
  await new Promise((resolve) => app.close(resolve));
});

test("PlayEarlyMedia then Hangup: callStatus and the REST Call show a call never answered", async () => {
  const { belay } = harness;
  const { outcome } = await runVirtualCall(
    belay.engine,
    {
      routing: directRouting(belay.account.accountId, `${base}/voice`, `${base}/status`),
      from: FROM,
      to: TO,
      fast: true,
      script: {},
    },
    () => undefined,
  );
  assert.equal(outcome.reason, "appHangup");
  await belay.app.drainOutbox();

  assert.equal(statusBodies.length, 1);
  const status = JSON.parse(statusBodies[0] as string) as Record<string, unknown>;
  assert.deepEqual(openApiErrors("CallStatusWebhook", status), []);
  assert.equal(webhookSchema.parse(status).requestType, "callStatus");
  assert.equal(status.callStatus, "completed");
  assert.equal(status.callEndedReason, "appHangup");

  const response = await get(belay, `/apiserver/Accounts/${belay.account.accountId}/Calls/${outcome.callId}`);
  assert.equal(response.status, 200, response.body);
  const call = response.json();
  assert.deepEqual(openApiErrors("CallResult", call), []);
  callResultSchema.parse(call);
  assert.equal(call.status, "completed");
  assert.equal(call.connectTime, null, "never connected");
  assert.equal(call.connectDuration, null, "no connected time to bill");
  // The 1.3 s of early media rang: duration is the whole call, start to end, in seconds.
  assert.equal(call.duration, 1);
});
