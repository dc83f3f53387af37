import assert from "node:assert/strict";
import { test } from "node:test";
import { CallLogEntries } from "../../src/calls/call-log-entries.js";
import type { TimelineEvent } from "../../src/engine/timeline.js";

/** The timeline → log translation, event by event (the API tests run it on real calls). */

function run(events: TimelineEvent[]) {
  let n = 0;
  const entries = new CallLogEntries(() => `RQ${++n}`);
  return events.flatMap((event) => entries.next(event) ?? []);
}

test("a failed webhook is one error entry; the call's end shares its request id", () => {
  const error = "POST http://***@app/voice answered 500";
  const logs = run([
    { type: "started", at: 0, callId: "CA1", from: "+1", to: "+2", direction: "inbound" },
    { type: "status", at: 0, status: "ringing" },
    {
      type: "webhook",
      at: 5,
      requestType: "inboundCall",
      url: "http://user:pass@app/voice",
      ok: false,
      status: 500,
      latencyMs: 5,
      error,
    },
    { type: "error", at: 5, message: error },
    { type: "ended", at: 6, status: "failed", reason: "webhookFailed" },
  ]);
  assert.deepEqual(logs, [
    {
      at: 5,
      level: "error",
      requestId: "RQ1",
      message: `inboundCall webhook failed: ${error}`,
      metadata: { requestType: "inboundCall", url: "http://***@app/voice", status: 500, latencyMs: 5 },
    },
    {
      at: 6,
      level: "error",
      requestId: "RQ1",
      message: "call ended: failed (webhookFailed)",
      metadata: { callStatus: "failed", callEndedReason: "webhookFailed" },
    },
  ]);
  assert.doesNotMatch(JSON.stringify(logs), /pass/, "no password from the URL");
});

test("keys, digits and commands are never logged; recordings are, lost ones as warnings", () => {
  const logs = run([
    { type: "command", at: 1, index: 0, name: "GetDigits", detail: "secret prompt" },
    { type: "digit", at: 2, digit: "7" },
    { type: "getDigits", at: 3, digits: "1234", reason: "finishKey" },
    { type: "sentDigits", at: 4, digits: "99" },
    { type: "recordingStarted", at: 5, recordingId: "RE1" },
    {
      type: "recording",
      at: 9,
      recordingId: null,
      recordingUrl: null,
      sizeBytes: 0,
      durationSec: 0,
      durationMs: 0,
      termReason: "maxLength",
    },
    { type: "ended", at: 10, status: "completed", reason: "maxDuration" },
  ]);
  assert.deepEqual(
    logs.map((l) => [l.level, l.metadata]),
    [
      ["warning", { recordingId: "RE1", termReason: "maxLength" }],
      ["warning", { callStatus: "completed", callEndedReason: "maxDuration" }],
    ],
  );
  assert.doesNotMatch(JSON.stringify(logs), /1234|99|secret|"7"/);
});

test("an error of its own (a Play that could not load) is logged; the end after a hang-up is info", () => {
  const logs = run([
    { type: "error", at: 1, message: "Play skipped: RECORDING_NOT_FOUND (file withheld: privacyMode)" },
    { type: "ended", at: 2, status: "completed", reason: "farEndHangup" },
  ]);
  assert.deepEqual(
    logs.map((l) => [l.level, l.message, l.requestId]),
    [
      ["error", "Play skipped: RECORDING_NOT_FOUND (file withheld: privacyMode)", "RQ1"],
      ["info", "call ended: completed (farEndHangup)", "RQ1"],
    ],
  );
});
