import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createHeaders } from "../../src/legs/sip/message/headers.js";
import { serializeSipMessage } from "../../src/legs/sip/message/serialize.js";
import type { SipRequest } from "../../src/legs/sip/message/types.js";
import { parseVia } from "../../src/legs/sip/message/via.js";
import { responseFor } from "../../src/legs/sip/responses.js";
import { authOf, type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { freeUdpPort, sdpOffer, UdpPeer } from "./udp-peer.js";

/**
 * POST /Calls to a number that is no virtual device, dialled over SIP at --sip-outbound: a
 * scripted UAS over real UDP answers, rings, refuses or never answers, and the call's status and
 * what Belay put on the wire are checked.
 */

let harness: TestBelay;
let app: ScriptedApp;
let uas: UdpPeer;
let sipPort: number;

before(async () => {
  app = await startScriptedApp({
    "/connect": () => ({ body: [{ Pause: { length: 200 } }, { Hangup: {} }] }),
    "/listen": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 30, silenceTimeoutMs: 60_000 } },
      ],
    }),
  });
  uas = await UdpPeer.open();
  sipPort = await freeUdpPort();
  harness = await startBelay({ sipPort, sipOutbound: `sip:{to}@127.0.0.1:${uas.port}` });
});

after(async () => {
  await harness?.stop();
  await uas?.close();
  await app?.close();
});

/** POST /Calls; `ended` is taken at once, while the call is still dialling. */
async function placeCall(
  to: string,
  timeout = 30,
  path = "/connect",
): Promise<{ callId: string; ended: Promise<unknown> }> {
  const { belay } = harness;
  const response = await fetch(`${belay.publicUrl()}/apiserver/Accounts/${belay.account.accountId}/Calls`, {
    method: "POST",
    headers: { authorization: authOf(belay), "content-type": "application/json" },
    body: JSON.stringify({ from: "+15550001111", to, callConnectUrl: `${app.url}${path}`, timeout }),
  });
  assert.equal(response.status, 202, await response.clone().text());
  const { callId } = (await response.json()) as { callId: string };
  const ended = harness.belay.engine.whenEnded(callId);
  assert.ok(ended, "the call is live");
  return { callId, ended: ended.then(({ status, reason }) => ({ status, reason })) };
}

function reply(invite: SipRequest, status: number, options: { sdp?: string } = {}): void {
  uas.send(
    serializeSipMessage(
      responseFor(invite, status, undefined, {
        toTag: "uas-tag",
        headers: status < 300 ? { Contact: `<sip:uas@${uas.via}>` } : {},
        ...(options.sdp ? { body: { contentType: "application/sdp", bytes: Buffer.from(options.sdp) } } : {}),
      }),
    ),
    sipPort,
  );
}

describe("an outbound SIP call", () => {
  test("INVITE with an SDP offer; 180 rings; 200 is ACKed and connects; the app's Hangup is a BYE", async () => {
    const { ended } = await placeCall("+15550007777");
    const { message: invite } = await uas.request("INVITE");
    assert.equal(invite.uri, `sip:+15550007777@127.0.0.1:${uas.port}`);
    assert.match(invite.headers.get("From") ?? "", /^<sip:\+15550001111@127\.0\.0\.1>;tag=\w+/);
    assert.equal(invite.headers.get("Content-Type"), "application/sdp");
    assert.match(invite.body.toString(), /m=audio \d+ RTP\/AVP 0 8 101/);
    reply(invite, 100);
    reply(invite, 180);
    assert.equal(app.hits.filter((h) => h.path === "/connect").length, 0, "not connected before the answer");
    reply(invite, 200, { sdp: sdpOffer(40_200, { formats: "0 101" }) });
    const { message: ack } = await uas.request("ACK");
    assert.equal(ack.headers.get("CSeq"), "1 ACK");
    assert.match(ack.headers.get("To") ?? "", /tag=uas-tag/);
    const inviteBranch = parseVia(invite.headers.get("Via") as string).params.get("branch");
    assert.notEqual(
      parseVia(ack.headers.get("Via") as string).params.get("branch"),
      inviteBranch,
      "a 2xx ACK is its own transaction",
    );
    assert.equal(ack.uri, `sip:uas@${uas.via}`, "sent to the callee's Contact");
    const connect = await app.nextHit("/connect");
    assert.equal(connect.body.callStatus, "inProgress");
    const { message: bye } = await uas.request("BYE");
    assert.equal(bye.headers.get("CSeq"), "2 BYE");
    uas.send(serializeSipMessage(responseFor(bye, 200)), sipPort);
    assert.deepEqual(await ended, { status: "completed", reason: "appHangup" });
  });

  for (const [status, expected] of [
    [486, "busy"],
    [600, "busy"],
    [480, "noAnswer"],
    [408, "noAnswer"],
    [503, "failed"],
  ] as const) {
    test(`a ${status} final is ${expected}, and is ACKed on the INVITE's branch`, async () => {
      const { ended } = await placeCall("+15550007778");
      const { message: invite } = await uas.request("INVITE");
      reply(invite, status);
      const { message: ack } = await uas.request("ACK");
      assert.equal(
        parseVia(ack.headers.get("Via") as string).params.get("branch"),
        parseVia(invite.headers.get("Via") as string).params.get("branch"),
      );
      assert.deepEqual(await ended, { status: expected, reason: expected });
    });
  }

  test("the ring timeout CANCELs the ringing INVITE and ACKs the 487: noAnswer", async () => {
    const { ended } = await placeCall("+15550007779", 1);
    const { message: invite } = await uas.request("INVITE");
    reply(invite, 180);
    const { message: cancel } = await uas.request("CANCEL", 4000);
    assert.equal(cancel.uri, invite.uri);
    assert.equal(cancel.headers.get("CSeq"), "1 CANCEL");
    assert.equal(cancel.headers.get("Via"), invite.headers.get("Via"), "the INVITE's branch");
    uas.send(serializeSipMessage(responseFor(cancel, 200)), sipPort);
    reply(invite, 487);
    await uas.request("ACK");
    assert.deepEqual(await ended, { status: "noAnswer", reason: "noAnswer" });
  });

  test("a REST hang-up while ringing is a CANCEL; a 200 that races it is ACKed and hung up with BYE", async () => {
    const { callId, ended } = await placeCall("+15550007780");
    const { message: invite } = await uas.request("INVITE");
    reply(invite, 180);
    const { belay } = harness;
    const hangup = await fetch(
      `${belay.publicUrl()}/apiserver/Accounts/${belay.account.accountId}/Calls/${callId}`,
      {
        method: "POST",
        headers: { authorization: authOf(belay), "content-type": "application/json" },
        body: JSON.stringify({ status: "canceled" }),
      },
    );
    assert.equal(hangup.status, 202);
    await uas.request("CANCEL");
    reply(invite, 200, { sdp: sdpOffer(40_202) });
    await uas.request("ACK");
    const { message: bye } = await uas.request("BYE");
    uas.send(serializeSipMessage(responseFor(bye, 200)), sipPort);
    assert.deepEqual(await ended, { status: "canceled", reason: "callCanceled" });
  });

  test("the callee's BYE ends the call: 200, farEndHangup, the recording webhook still sent", async () => {
    const { callId, ended } = await placeCall("+15550007781", 30, "/listen");
    // The app's answer reaching Belay is not RecordUtterance starting: a BYE in between would end
    // the call before the command runs, and rightly send no record webhook.
    const call = harness.belay.engine.get(callId);
    assert.ok(call, "the call is live");
    const recording = new Promise<void>((resolve) => {
      call.onTimeline((event) => {
        if (event.type === "recordingStarted") resolve();
      });
    });
    const { message: invite } = await uas.request("INVITE");
    reply(invite, 200, { sdp: sdpOffer(40_204) });
    const { message: ack } = await uas.request("ACK");
    await app.nextHit("/listen");
    await recording;
    const bye = serializeSipMessage({
      kind: "request",
      method: "BYE",
      uri: (invite.headers.get("Contact") ?? "").replace(/^<|>$/g, ""),
      headers: createHeaders([
        ["Via", `SIP/2.0/UDP ${uas.via};branch=z9hG4bK-callee-bye`],
        ["From", ack.headers.get("To") ?? ""],
        ["To", ack.headers.get("From") ?? ""],
        ["Call-ID", ack.headers.get("Call-ID") ?? ""],
        ["CSeq", "1 BYE"],
      ]),
      body: Buffer.alloc(0),
    });
    uas.send(bye, sipPort);
    await uas.response(200, "BYE");
    assert.deepEqual(await ended, { status: "completed", reason: "farEndHangup" });
    const record = await app.nextHit("/recorded");
    assert.equal(record.body.termReason, "hangup");
  });

  test("a 200 without an SDP answer is ACKed, hung up with BYE, and the call failed", async () => {
    const { ended } = await placeCall("+15550007782");
    const { message: invite } = await uas.request("INVITE");
    reply(invite, 200);
    await uas.request("ACK");
    const { message: bye } = await uas.request("BYE");
    uas.send(serializeSipMessage(responseFor(bye, 200)), sipPort);
    assert.deepEqual(await ended, { status: "failed", reason: "failed" });
  });

  test("beyond --max-calls an outbound SIP call fails at once, the live one rings on", async () => {
    const limitedUas = await UdpPeer.open();
    const port = await freeUdpPort();
    const limited = await startBelay({
      sipPort: port,
      maxCalls: 1,
      sipOutbound: `sip:{to}@127.0.0.1:${limitedUas.port}`,
    });
    try {
      const post = async (to: string) => {
        const response = await fetch(
          `${limited.belay.publicUrl()}/apiserver/Accounts/${limited.belay.account.accountId}/Calls`,
          {
            method: "POST",
            headers: { authorization: authOf(limited.belay), "content-type": "application/json" },
            body: JSON.stringify({
              from: "+15550001111",
              to,
              callConnectUrl: `${app.url}/connect`,
              timeout: 1,
            }),
          },
        );
        const { callId } = (await response.json()) as { callId: string };
        return callId;
      };
      /** The call's end: awaited while it is live; once it is not, its row is final. */
      const endOf = async (callId: string) => {
        await limited.belay.engine.whenEnded(callId);
        const row = await limited.belay.store.calls.get(limited.belay.account.accountId, callId);
        return [row?.status, row?.callEndedReason];
      };
      const first = await post("+15550007790");
      const firstEnded = endOf(first);
      const { message: invite } = await limitedUas.request("INVITE");
      limitedUas.send(serializeSipMessage(responseFor(invite, 180, undefined, { toTag: "t" })), port);
      assert.deepEqual(await endOf(await post("+15550007791")), ["failed", "failed"]);
      // The first one rang on until its 1 s ring timeout: CANCEL, 487, noAnswer.
      const { message: cancel } = await limitedUas.request("CANCEL");
      limitedUas.send(serializeSipMessage(responseFor(cancel, 200)), port);
      limitedUas.send(serializeSipMessage(responseFor(invite, 487, undefined, { toTag: "t" })), port);
      assert.deepEqual(await firstEnded, ["noAnswer", "noAnswer"]);
    } finally {
      await limited.stop();
      await limitedUas.close();
    }
  });
});
