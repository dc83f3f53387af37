import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { serializeSipMessage } from "../../src/legs/sip/message/serialize.js";
import type { SipRequest } from "../../src/legs/sip/message/types.js";
import { responseFor, tagOf } from "../../src/legs/sip/responses.js";
import type { SipService } from "../../src/legs/sip/sip-service.js";
import type { SipDialogRow } from "../../src/store/types.js";
import { authOf, type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { addNumber, PeerCall } from "./sip-call-peer.js";
import { freeUdpPort, sdpOffer, UdpPeer } from "./udp-peer.js";

/**
 * Each confirmed SIP dialog is written to the store while it lasts (so a restart after a crash can
 * BYE the peer), with exactly what a BYE inside it needs, and deleted when it ends, either way.
 * A real Belay, its SQLite store, and scripted peers over real UDP.
 */

const RECORDS = "+15550002222"; // records until the caller hangs up
const HANGS_UP = "+15550002223"; // records 1 s, then the app hangs up

let harness: TestBelay;
let app: ScriptedApp;
let peer: UdpPeer;
let uas: UdpPeer;
let sipPort: number;

before(async () => {
  app = await startScriptedApp({
    "/records": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 30, silenceTimeoutMs: 60_000 } },
      ],
    }),
    "/hangs-up": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 1, silenceTimeoutMs: 60_000 } },
      ],
    }),
    "/recorded": () => ({ body: [{ Hangup: {} }] }),
    "/connect": () => ({ body: [{ Pause: { length: 300 } }, { Hangup: {} }] }),
  });
  peer = await UdpPeer.open();
  uas = await UdpPeer.open();
  sipPort = await freeUdpPort();
  harness = await startBelay({ sipPort, sipOutbound: `sip:{to}@127.0.0.1:${uas.port}` });
  await addNumber(harness.belay, RECORDS, `${app.url}/records`, `${app.url}/status`);
  await addNumber(harness.belay, HANGS_UP, `${app.url}/hangs-up`, `${app.url}/status`);
});

after(async () => {
  await harness?.stop();
  await peer?.close();
  await uas?.close();
  await app?.close();
});

function sip(): SipService {
  const service = harness.belay.sip;
  assert.ok(service, "SIP is on");
  return service;
}

/** The rows once every dialog write started so far has committed. */
async function storedDialogs(): Promise<SipDialogRow[]> {
  await sip().dialogWrites();
  return harness.belay.store.sipDialogs.list();
}

describe("an inbound call's dialog", () => {
  test("written when Belay sends its 200: Call-ID, both tags, From/To, Contact, Route set, CSeq, destination, call", async () => {
    const mark = app.hits.length;
    const call = new PeerCall(peer, sipPort, RECORDS);
    const recordRoute = `<sip:127.0.0.1:${peer.port};lr>`;
    call.invite({ extra: [`Record-Route: ${recordRoute}`] });
    const ok = await peer.response(200, "INVITE");
    // Not ACKed yet: the caller holds a confirmed dialog from the 200 on, so it is written already.
    const rows = await storedDialogs();
    const voice = await app.nextHit("/records", mark);
    const belayTag = tagOf(ok.headers.get("To"));
    assert.ok(belayTag);
    assert.deepEqual(
      rows.map(({ dateCreated: _, ...row }) => row),
      [
        {
          sipCallId: call.callId,
          localTag: belayTag,
          remoteTag: call.fromTag,
          localUri: ok.headers.get("To"),
          remoteUri: `<sip:+15550001111@${peer.via}>;tag=${call.fromTag}`,
          remoteTarget: `sip:peer@${peer.via}`,
          routeSet: [recordRoute],
          localCseq: 1,
          destinationAddress: "127.0.0.1",
          destinationPort: peer.port,
          callId: voice.body.callId,
          accountId: harness.belay.account.accountId,
        },
      ],
    );
    call.answered(ok).ack();
    call.bye();
    await peer.response(200, "BYE");
    const status = await app.nextHit("/status", mark);
    assert.equal(status.body.callEndedReason, "farEndHangup");
    assert.deepEqual(await storedDialogs(), [], "the caller's BYE deletes it");
  });

  test("deleted when Belay hangs up with its own BYE", async () => {
    const mark = app.hits.length;
    const call = new PeerCall(peer, sipPort, HANGS_UP);
    call.invite();
    call.answered(await peer.response(200, "INVITE")).ack();
    await app.nextHit("/hangs-up", mark);
    assert.equal((await storedDialogs()).length, 1, "written while the call is up");
    const { message: bye } = await peer.request("BYE");
    peer.send(serializeSipMessage(responseFor(bye, 200)), sipPort);
    await app.nextHit("/status", mark);
    assert.deepEqual(await storedDialogs(), []);
  });

  test("never written for a call turned down before the answer", async () => {
    const call = new PeerCall(peer, sipPort, "+15550009999"); // no such number
    call.invite();
    await peer.response(404, "INVITE");
    call.ackFailure();
    assert.deepEqual(await storedDialogs(), []);
  });
});

describe("an outbound call's dialog", () => {
  test("written when the callee's 200 is ACKed, with its Contact and reversed Record-Route; deleted at Belay's BYE", async () => {
    const { belay } = harness;
    const response = await fetch(`${belay.publicUrl()}/apiserver/Accounts/${belay.account.accountId}/Calls`, {
      method: "POST",
      headers: { authorization: authOf(belay), "content-type": "application/json" },
      body: JSON.stringify({
        from: "+15550001111",
        to: "+15550007777",
        callConnectUrl: `${app.url}/connect`,
      }),
    });
    assert.equal(response.status, 202, await response.clone().text());
    const { callId } = (await response.json()) as { callId: string };
    const { message: invite } = await uas.request("INVITE");
    const routes = [`<sip:127.0.0.1:${uas.port};lr>`, "<sip:proxy.invalid;lr>"];
    reply(invite, 200, routes);
    await uas.request("ACK");
    const rows = await storedDialogs();
    assert.deepEqual(
      rows.map(({ dateCreated: _, ...row }) => row),
      [
        {
          sipCallId: invite.headers.get("Call-ID"),
          localTag: tagOf(invite.headers.get("From")),
          remoteTag: "uas-tag",
          localUri: invite.headers.get("From"),
          remoteUri: `${invite.headers.get("To")};tag=uas-tag`,
          remoteTarget: `sip:uas@${uas.via}`,
          // RFC 3261 12.1.2: the caller's route set is the Record-Route in reverse.
          routeSet: [...routes].reverse(),
          localCseq: 1,
          // The first route is a host name Belay does not resolve: the INVITE's destination.
          destinationAddress: "127.0.0.1",
          destinationPort: uas.port,
          callId,
          accountId: belay.account.accountId,
        },
      ],
    );
    const { message: bye } = await uas.request("BYE");
    uas.send(serializeSipMessage(responseFor(bye, 200)), sipPort);
    await belay.engine.whenEnded(callId);
    assert.deepEqual(await storedDialogs(), []);
  });
});

function reply(invite: SipRequest, status: number, recordRoute: string[]): void {
  const answer = responseFor(invite, status, undefined, {
    toTag: "uas-tag",
    headers: { Contact: `<sip:uas@${uas.via}>` },
    body: { contentType: "application/sdp", bytes: Buffer.from(sdpOffer(40_300, { formats: "0 101" })) },
  });
  for (const route of recordRoute) answer.headers.append("Record-Route", route);
  uas.send(serializeSipMessage(answer), sipPort);
}
