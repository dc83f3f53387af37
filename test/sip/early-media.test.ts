import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { encodeWav } from "../../src/media/wav-write.js";
import { type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { sine, toInt16 } from "../media/signals.js";
import { RtpPeer } from "./caller-rtp.js";
import { addNumber, PeerCall } from "./sip-call-peer.js";
import { sipText } from "./sip-text.js";
import { freeUdpPort, UdpPeer } from "./udp-peer.js";

/**
 * PlayEarlyMedia on Belay's SIP server against a scripted peer over real UDP: the 183 and the 200
 * that follows it, a CANCEL during early media, and a delayed offer that cannot have early media.
 */

const ANSWERS = "+15550006001"; // early media, then a Play answers
const CANCELLED = "+15550006002"; // early media long enough for the caller to cancel
const DELAYED = "+15550006003"; // early media asked for, then Hangup

let files: Server;
let app: ScriptedApp;
let harness: TestBelay;
let peer: UdpPeer;
let sipPort: number;

before(async () => {
  files = createServer((request, response) => {
    const seconds = request.url === "/long.wav" ? 10 : request.url === "/short.wav" ? 0.2 : 0;
    if (!seconds) return void response.writeHead(404).end();
    response
      .writeHead(200, { "Content-Type": "audio/wav" })
      .end(encodeWav(toInt16(sine(600, 8000, seconds, 8000))));
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  const wav = (name: string) => `http://127.0.0.1:${(files.address() as AddressInfo).port}/${name}`;
  app = await startScriptedApp({
    "/answers": () => ({
      body: [{ PlayEarlyMedia: { file: wav("short.wav") } }, { Play: { file: wav("short.wav") } }],
    }),
    "/cancelled": () => ({ body: [{ PlayEarlyMedia: { file: wav("long.wav") } }, { Hangup: {} }] }),
    "/delayed": () => ({ body: [{ PlayEarlyMedia: { file: wav("short.wav") } }, { Hangup: {} }] }),
  });
  sipPort = await freeUdpPort();
  harness = await startBelay({ sipPort });
  for (const [number, path] of [
    [ANSWERS, "/answers"],
    [CANCELLED, "/cancelled"],
    [DELAYED, "/delayed"],
  ] as const)
    await addNumber(harness.belay, number, `${app.url}${path}`, `${app.url}/status`);
  peer = await UdpPeer.open();
});

after(async () => {
  await peer?.close();
  await harness?.stop();
  await app?.close();
  files?.closeAllConnections();
  await new Promise((resolve) => files?.close(resolve));
});

async function endOf(from: number): Promise<{ status: unknown; reason: unknown }> {
  const hit = await app.nextHit("/status", from);
  return { status: hit.body.callStatus, reason: hit.body.callEndedReason };
}

const toTag = (to: string | undefined) => /;tag=([^;\s]+)/.exec(to ?? "")?.[1];

test("183 with the SDP answer and the 180's To tag; RTP flows; the 200 repeats the same SDP", async () => {
  const mark = app.hits.length;
  const rtp = await RtpPeer.open();
  const call = new PeerCall(peer, sipPort, ANSWERS, rtp.port);
  call.invite();
  const ringing = await peer.response(180, "INVITE");
  const progress = await peer.response(183, "INVITE");
  assert.equal(progress.headers.get("Content-Type"), "application/sdp");
  assert.match(progress.body.toString(), /^m=audio \d+ RTP\/AVP 0 101/m);
  assert.ok(progress.headers.get("Contact"), "a dialog-creating 183 carries Contact");
  assert.equal(progress.headers.get("Require"), undefined, "no 100rel");
  assert.equal(toTag(progress.headers.get("To")), toTag(ringing.headers.get("To")));
  const ok = await peer.response(200, "INVITE");
  assert.equal(toTag(ok.headers.get("To")), toTag(progress.headers.get("To")));
  assert.equal(ok.body.toString(), progress.body.toString(), "one offer/answer: same SDP, same o= version");
  call.answered(ok).ack();
  const bye = await peer.request("BYE");
  peer.send(
    sipText("SIP/2.0 200 OK", [
      ...bye.message.headers.getAll("Via").map((v) => `Via: ${v}`),
      `From: ${bye.message.headers.get("From")}`,
      `To: ${bye.message.headers.get("To")}`,
      `Call-ID: ${call.callId}`,
      `CSeq: ${bye.message.headers.get("CSeq")}`,
    ]),
    sipPort,
  );
  assert.deepEqual(await endOf(mark), { status: "completed", reason: "appHangup" });
  // 0.2 s early, 0.2 s answered: 20 packets of 20 ms at least reached the caller.
  assert.ok(rtp.received.length >= 20, `${rtp.received.length} RTP packets`);
  await rtp.close();
});

test("CANCEL during early media: 487 to the INVITE, and the call is canceled as before", async () => {
  const mark = app.hits.length;
  const call = new PeerCall(peer, sipPort, CANCELLED, 40_100);
  call.invite();
  await peer.response(183, "INVITE");
  call.cancel();
  await peer.response(200, "CANCEL");
  const terminated = await peer.response(487, "INVITE");
  call.answered(terminated).ackFailure();
  assert.deepEqual(await endOf(mark), { status: "canceled", reason: "farEndHangup" });
});

test("a delayed offer gets no 183: early media is skipped and the Hangup declines the call", async () => {
  const mark = app.hits.length;
  const call = new PeerCall(peer, sipPort, DELAYED, 40_110);
  call.invite({ body: "" });
  const declined = await peer.response(603, "INVITE");
  call.answered(declined).ackFailure();
  assert.deepEqual(await endOf(mark), { status: "completed", reason: "appHangup" });
  const provisional = peer.log.filter(
    (r) => r.message.kind === "response" && r.message.headers.get("Call-ID") === call.callId,
  );
  assert.ok(!provisional.some((r) => r.message.kind === "response" && r.message.status === 183));
});
