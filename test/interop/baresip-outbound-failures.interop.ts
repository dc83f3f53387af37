import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { CallStatus } from "../../src/store/types.js";
import { authOf } from "../e2e/harness.js";
import { type Baresip, startBaresip } from "./baresip.js";
import { NUMBER, type SipBelay, startSipBelay } from "./belay.js";
import { within } from "./process.js";

/**
 * Outbound calls baresip does not answer: it rings (180) and the ring timeout passes, so Belay
 * CANCELs and reports noAnswer; or it turns the call down (486, its reason phrase "Rejected") and Belay reports busy.
 * baresip rings and never answers by itself here (answermode=manual).
 */

const PEER = "+15557770001";
let belay: SipBelay;
let baresip: Baresip;

before(async () => {
  baresip = await startBaresip({
    source: { sineHz: 440 },
    answerMode: "manual",
    user: PEER,
    quitAfterSec: 40,
  });
  const port = baresip.sipPort;
  belay = await startSipBelay({
    sipOutbound: () => `sip:{to}@127.0.0.1:${port}`,
    routes: { "/connect": () => ({ body: [{ Hangup: {} }] }) },
  });
});

after(async () => {
  await baresip?.quit();
  await baresip?.remove();
  await belay?.stop();
});

async function makeCall(timeout: number): Promise<string> {
  const server = belay.harness.belay;
  const response = await fetch(`${server.publicUrl()}/apiserver/Accounts/${server.account.accountId}/Calls`, {
    method: "POST",
    headers: { authorization: authOf(server), "content-type": "application/json" },
    body: JSON.stringify({ from: NUMBER, to: PEER, applicationId: belay.applicationId, timeout }),
  });
  const text = await response.text();
  assert.equal(response.status, 202, text);
  return (JSON.parse(text) as { callId: string }).callId;
}

/** Resolves when the live call reaches `status` (seen on its timeline, or already there). */
function reaches(callId: string, status: CallStatus): Promise<void> {
  const call = belay.harness.belay.engine.get(callId);
  assert.ok(call, `call ${callId} is live`);
  if (call.status === status) return Promise.resolve();
  return within(
    10_000,
    () => `call ${callId} to be ${status} (it is ${call.status})\nbaresip:\n${baresip.log().slice(-4000)}`,
    new Promise<void>((resolve) =>
      call.onTimeline((event) => {
        if (event.type === "status" && event.status === status) resolve();
      }),
    ),
  );
}

test("a call baresip lets ring is ringing, then CANCELed at the ring timeout: noAnswer", async () => {
  const events = baresip.events.length;
  const hits = belay.app.hits.length;
  const callId = await makeCall(3);
  const ringing = reaches(callId, "ringing");
  await baresip.nextEvent("CALL_INCOMING", 10_000, events);
  await ringing;
  await baresip.nextEvent("CALL_CLOSED", 10_000, events); // the CANCEL reached it
  const status = await belay.webhook("/status", 10_000, hits);
  assert.deepEqual([status.body.callId, status.body.callEndedReason], [callId, "noAnswer"], status.rawBody);
  // docs/contract.md §4: an outbound call that never connects still notifies callConnectUrl, with its status.
  const connect = await belay.webhook("/connect", 5000, hits);
  assert.deepEqual(
    [connect.body.requestType, connect.body.callId, connect.body.callStatus],
    ["outDialApiConnect", callId, "noAnswer"],
    connect.rawBody,
  );
});

test("a call baresip turns down with 486 ends busy, its callConnect notified so", async () => {
  const events = baresip.events.length;
  const hits = belay.app.hits.length;
  const callId = await makeCall(20);
  await baresip.nextEvent("CALL_INCOMING", 10_000, events);
  const rejected = await baresip.command("hangup");
  assert.ok(rejected.ok, `baresip could not reject: ${JSON.stringify(rejected.data)}`);
  const status = await belay.webhook("/status", 10_000, hits);
  assert.deepEqual([status.body.callId, status.body.callEndedReason], [callId, "busy"], status.rawBody);
  assert.match(baresip.log(), /SIP\/2\.0 486 /, "baresip answered 486");
  const connect = await belay.webhook("/connect", 5000, hits);
  assert.deepEqual([connect.body.callId, connect.body.callStatus], [callId, "busy"], connect.rawBody);
});
