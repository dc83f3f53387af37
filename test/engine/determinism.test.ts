import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { TimelineEvent } from "../../src/engine/timeline.js";
import { appUrl, type CallRun, EngineHarness, onlyRequest, talking } from "./harness.js";

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.open();
});
after(() => h.close());

/** A voicemail: greeting, beep, message ended by #, thanks, goodbye. */
function voicemail(): Promise<CallRun> {
  return h.runCall({
    routes: {
      "/voice": () => [
        { Say: { text: "You have reached Belay. Please leave a message after the tone." } },
        { RecordUtterance: { actionUrl: appUrl("/recorded"), playBeep: true, finishOnKey: "#" } },
      ],
      "/recorded": () => [{ Say: { text: "Thank you. Goodbye." } }, { Hangup: {} }],
    },
    caller: { audio: talking(4000), audioAtMs: 5000, dtmf: [{ keys: "#", atMs: 9700 }] },
  });
}

/** The timeline with what differs between runs by design (ids, real latency) blanked out. */
function comparable(run: CallRun): unknown[] {
  const ids = new Map<string, string>();
  const replaced = (text: string) =>
    text.replace(/\b(CA|RE|AC)[0-9a-f]{40}\b/g, (id) => {
      if (!ids.has(id)) ids.set(id, `<id${ids.size}>`);
      return ids.get(id) as string;
    });
  return run.timeline.map((event: TimelineEvent) => {
    const copy: Record<string, unknown> = JSON.parse(replaced(JSON.stringify(event)));
    delete copy.latencyMs;
    return copy;
  });
}

test("the same voicemail call twice gives the same timeline, webhooks and recording", async () => {
  const first = await voicemail();
  const second = await voicemail();
  assert.equal(first.outcome.reason, "appHangup");
  assert.notEqual(first.callId, second.callId);
  assert.deepEqual(comparable(second), comparable(first));
  assert.ok(first.timeline.some((e) => e.type === "recording" && e.termReason === "finishKey"));

  const bodies = (run: CallRun) =>
    run.requests.map((r) => ({
      ...r,
      body: { ...r.body, callId: null, recordingId: null, recordingUrl: null },
    }));
  assert.deepEqual(bodies(second), bodies(first));

  const one = await h.recording(onlyRequest(first, "record").body.recordingId as string);
  const two = await h.recording(onlyRequest(second, "record").body.recordingId as string);
  assert.deepEqual(two.pcm, one.pcm);
  assert.deepEqual(second.leg.heard, first.leg.heard);
});
