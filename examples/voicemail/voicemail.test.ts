/**
 * The voicemail app's own tests, written with belay/testing (docs/testing.md): copy this file to
 * test your app. Each call runs on a simulated clock: a 10 s call takes a few tens of ms.
 *
 *   node --conditions=belay-source --import tsx --test examples/voicemail/voicemail.test.ts
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { findAudio, startBelay, type TestBelay, wavSamples } from "belay/testing";
import { createVoicemailHandler, startVoicemailApp } from "./app.js";

const MESSAGE = fileURLToPath(new URL("./message.wav", import.meta.url));
const GREETING = "Please leave a message after the beep. Press pound when you are done.";

let belay: TestBelay;
before(async () => {
  belay = await startBelay();
});
after(() => belay.close());

test("a caller leaves a message and presses #: it is recorded, thanked and hung up on", async () => {
  // The app in-process: belay/testing serves its handler on a 127.0.0.1 port of its own.
  const app = createVoicemailHandler({ signingSecret: belay.signingSecret });
  const call = await belay.call({
    app: app.handler,
    statusUrl: "/status",
    audio: MESSAGE,
    audioAt: 5,
    dtmf: "#@11",
  });

  assert.equal(call.status, "completed");
  assert.equal(call.callEndedReason, "appHangup");
  assert.deepEqual(call.said(), [GREETING, "Thank you. Goodbye."]);
  assert.deepEqual(
    call.webhooks.map((w) => [w.requestType, w.status]),
    [
      ["inboundCall", 200],
      ["record", 200],
      ["callStatus", 200],
    ],
  );
  assert.ok(
    call.webhooks.every((w) => call.webhookVerified(w)),
    "every webhook is signed",
  );

  assert.equal(call.recordings.length, 1);
  const [recording] = call.recordings;
  assert.ok(recording);
  assert.equal(recording.termReason, "finishKey");
  // Recording ends at the 20 ms frame the # falls in; it started after the greeting and beep.
  assert.ok(recording.durationSec > 6 && recording.durationSec < 8, `${recording.durationSec} s`);
  assert.equal(recording.recordingDurationSec, Math.ceil(recording.durationSec));
  // The whole message is in the recording, sample for sample.
  assert.notEqual(findAudio(recording.samples, await wavSamples(MESSAGE)), -1);
});

test("a caller who says nothing: 5 s of silence ends the recording", async () => {
  const app = createVoicemailHandler();
  const call = await belay.call({ app: app.handler, statusUrl: "/status" });
  assert.equal(call.callEndedReason, "appHangup");
  const [recording] = call.recordings;
  assert.equal(recording?.termReason, "timeout");
  assert.ok(
    recording.samples.every((sample) => sample === 0),
    "the recording is silent",
  );
});

test("a caller who hangs up mid-message: the record webhook still comes, then callStatus", async () => {
  const app = createVoicemailHandler();
  const call = await belay.call({
    app: app.handler,
    statusUrl: "/status",
    audio: MESSAGE,
    audioAt: 4,
    hangupAt: 7,
  });
  assert.equal(call.callEndedReason, "farEndHangup");
  assert.equal(call.recordings[0]?.termReason, "hangup");
  assert.deepEqual(
    call.webhooks.map((w) => w.requestType),
    ["inboundCall", "record", "callStatus"],
  );
  assert.equal(call.webhooksOf("callStatus")[0]?.body.callStatus, "completed");
});

test("an app that verifies with another secret refuses Belay's webhooks: the call fails", async () => {
  const app = createVoicemailHandler({ signingSecret: "sigsec_not-this-accounts" });
  const call = await belay.call({ app: app.handler });
  assert.equal(call.failed, true);
  assert.equal(call.callEndedReason, "webhookFailed");
  assert.match(call.message ?? "", /answered 401/);
  assert.equal(call.webhooks[0]?.status, 401);
});

test("the same app as a server of its own, by URL", async () => {
  const server = await startVoicemailApp({ port: 0, signingSecret: belay.signingSecret });
  try {
    const call = await belay.call({
      app: `${server.url}/voice`,
      statusUrl: `${server.url}/status`,
      audio: MESSAGE,
      audioAt: 4,
      dtmf: "#@10.5",
    });
    assert.equal(call.callEndedReason, "appHangup");
    assert.equal(call.recordings[0]?.termReason, "finishKey");
    assert.deepEqual(
      server.received.map((r) => [r.path, r.verified]),
      [
        ["/voice", true],
        ["/recorded", true],
        ["/status", true],
      ],
    );
  } finally {
    await server.close();
  }
});
