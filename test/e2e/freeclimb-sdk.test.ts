import assert from "node:assert/strict";
import { createRequire } from "node:module";
import type { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { FRAME_SAMPLES } from "../../src/media/frame.js";
import { readWav } from "../../src/media/wav-read.js";
import { SimulatedClock } from "../../src/time/clock.js";
import { call } from "../api/helpers.js";
import { toInt16, whiteNoise } from "../media/signals.js";
import {
  type AppHit,
  openApiErrors,
  pcmToBase64,
  type ScriptedApp,
  startBelay,
  startScriptedApp,
  type TestBelay,
  TLS_FIXTURE,
} from "./harness.js";

/**
 * docs/contract.md's promise, end to end: a team points FreeClimb's own SDK (@freeclimb/sdk 2.1.3) at
 * Belay and carries on. The SDK creates an application, adds a number, places a call to a virtual
 * device, finds, downloads and deletes the recording; the app verifies every webhook with the
 * SDK's utils.verifyRequest. Over real HTTPS (the SDK speaks nothing else), with Belay on the
 * simulated clock: the call's seconds take no real time, and no request of the SDK's depends on it.
 */

interface Sdk {
  api: {
    setApiUrl(url: string): void;
    applications: { create(options: Record<string, unknown>): Promise<Record<string, unknown>> };
    incomingNumbers: {
      purchase(phoneNumber: string, options?: Record<string, unknown>): Promise<Record<string, unknown>>;
      getList(filter?: Record<string, unknown>): Promise<Record<string, unknown>>;
    };
    calls: {
      create(
        to: string,
        from: string,
        applicationId: string,
        options?: Record<string, unknown>,
      ): Promise<Record<string, unknown>>;
      get(callId: string): Promise<Record<string, unknown>>;
    };
    recordings: {
      getList(filters?: Record<string, unknown>): Promise<Record<string, unknown>>;
      get(recordingId: string): Promise<Record<string, unknown>>;
      stream(recordingId: string): Promise<Readable>;
      delete(recordingId: string): Promise<null>;
    };
  };
  utils: { verifyRequest(body: string, header: string, secret: string): void };
}

const DEVICE = "+15550007001";
const OUR_NUMBER = "+15550007002";
/** The device's voice: 4 s of noise, loud enough to be speech to anyone listening. */
const DEVICE_VOICE = toInt16(whiteNoise(4 * 8000, -18, 11));

let harness: TestBelay;
let app: ScriptedApp;
let sdk: Sdk;
const unverified: string[] = [];

before(async () => {
  harness = await startBelay({
    clock: new SimulatedClock(),
    tls: TLS_FIXTURE,
  });
  const { accountId, apiKey, signingSecret } = harness.belay.account;
  const require = createRequire(import.meta.url);
  sdk = require("@freeclimb/sdk")(accountId, apiKey) as Sdk;
  sdk.api.setApiUrl(`${harness.belay.publicUrl()}/apiserver`);
  const verified =
    (answer: (hit: AppHit, base: string) => { body: unknown[] }) => (hit: AppHit, base: string) => {
      try {
        sdk.utils.verifyRequest(hit.rawBody, hit.signature ?? "", signingSecret);
      } catch (err) {
        unverified.push(`${hit.path}: ${String(err)}`);
      }
      return answer(hit, base);
    };
  app = await startScriptedApp({
    "/connect": verified((_hit, base) => ({
      body: [
        { Say: { text: "Leave a message." } },
        { RecordUtterance: { actionUrl: `${base}/recorded`, finishOnKey: "#", maxLengthSec: 30 } },
      ],
    })),
    "/recorded": verified(() => ({ body: [{ Say: { text: "Thanks." } }, { Hangup: {} }] })),
    "/status": verified(() => ({ body: [] })),
  });
  // The device is Belay's own extension, not FreeClimb's: added through Belay's API, not the SDK.
  const device = await call(harness.belay, "POST", "/belay/v1/devices", {
    body: {
      phoneNumber: DEVICE,
      answerAfterMs: 0,
      audio: pcmToBase64(DEVICE_VOICE),
      // The greeting is about 1.5 s: # comes some 2.5 s into the recording.
      dtmf: [{ keys: "#", atMs: 4000 }],
    },
  });
  assert.equal(device.status, 201, device.body);
});

after(async () => {
  await app?.close();
  await harness?.stop();
});

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Where `part` starts in `whole`, trying each frame boundary; -1 if it is not there exactly. */
function frameOffset(whole: Int16Array, part: Int16Array): number {
  for (let offset = 0; offset + part.length <= whole.length; offset += FRAME_SAMPLES) {
    if (part.every((sample, i) => sample === whole[offset + i])) return offset;
  }
  return -1;
}

test("an app built on the SDK runs on Belay: application, number, call, recording, deletion", async () => {
  const application = await sdk.api.applications.create({
    alias: "sdk voicemail",
    callConnectUrl: `${app.url}/connect`,
    statusCallbackUrl: `${app.url}/status`,
  });
  assert.deepEqual(openApiErrors("ApplicationResult", application), []);
  const applicationId = application.applicationId as string;

  const number = await sdk.api.incomingNumbers.purchase(OUR_NUMBER, { applicationId, alias: "main line" });
  assert.deepEqual(openApiErrors("IncomingNumberResult", number), []);
  const numbers = await sdk.api.incomingNumbers.getList({ applicationId });
  assert.deepEqual(
    (numbers.incomingPhoneNumbers as Array<{ phoneNumber: string }>).map((n) => n.phoneNumber),
    [OUR_NUMBER],
  );

  const from = app.hits.length;
  const created = await sdk.api.calls.create(DEVICE, OUR_NUMBER, applicationId);
  assert.deepEqual(openApiErrors("CallResult", created), []);
  assert.deepEqual([created.status, created.direction], ["queued", "outboundAPI"]);
  const callId = created.callId as string;

  const connect = await app.nextHit("/connect", from);
  assert.deepEqual(
    [connect.body.requestType, connect.body.callStatus, connect.body.callId, connect.body.to],
    ["outDialApiConnect", "inProgress", callId, DEVICE],
  );
  const record = await app.nextHit("/recorded", from);
  assert.deepEqual([record.body.termReason, record.body.callId], ["finishKey", callId]);
  const status = await app.nextHit("/status", from);
  assert.deepEqual([status.body.callEndedReason, status.body.direction], ["appHangup", "outboundAPI"]);
  assert.deepEqual(unverified, [], "every webhook verifies with the SDK");

  const got = await sdk.api.calls.get(callId);
  assert.deepEqual(openApiErrors("CallResult", got), []);
  assert.deepEqual([got.status, got.applicationId], ["completed", applicationId]);

  const recordings = await sdk.api.recordings.getList({ callId });
  assert.deepEqual(openApiErrors("RecordingList", recordings), []);
  const listed = recordings.recordings as Array<Record<string, unknown>>;
  assert.deepEqual(
    listed.map((r) => r.recordingId),
    [record.body.recordingId],
  );
  const wav = await bytesOf(await sdk.api.recordings.stream(record.body.recordingId as string));
  assert.equal(String(wav.length), record.body.recordingSize);
  const recorded = readWav(wav).pcm8k;
  assert.ok(recorded.length >= 1.5 * 8000, `${recorded.length} samples: about two seconds were recorded`);
  assert.notEqual(
    frameOffset(DEVICE_VOICE, recorded),
    -1,
    "the recording is the device's voice, sample for sample",
  );

  assert.equal(await sdk.api.recordings.delete(record.body.recordingId as string), null);
  await assert.rejects(sdk.api.recordings.get(record.body.recordingId as string), /404.*"code":68/);
  assert.equal((await sdk.api.recordings.getList({ callId })).total, 0);
});
