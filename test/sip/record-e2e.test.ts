import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, test } from "node:test";
import { decodeUlaw } from "../../src/media/g711.js";
import { readWav } from "../../src/media/wav-read.js";
import { authOf, type ScriptedApp, startBelay, startScriptedApp, type TestBelay } from "../e2e/harness.js";
import { audioPort, RtpPeer } from "./caller-rtp.js";
import { callerUlaw } from "./media-workers-harness.js";
import { addNumber, PeerCall } from "./sip-call-peer.js";
import { freeUdpPort, sdpOffer, UdpPeer } from "./udp-peer.js";

/**
 * End to end over real sockets: a raw SIP + RTP caller dials a number whose app records; the WAV
 * Belay stores is, sample for sample, the u-law the caller sent (decoded), from the first frame
 * that arrived after recording began. Then the app hangs up with a BYE, and belay.close() with a
 * call still up sends BYE and lets the recording and its webhook finish.
 */

const NUMBER = "+15550002222";
let harness: TestBelay;
let app: ScriptedApp;
let sipPort: number;

before(async () => {
  app = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 2, silenceTimeoutMs: 60_000 } },
      ],
    }),
    "/recorded": () => ({ body: [{ Hangup: {} }] }),
  });
  sipPort = await freeUdpPort();
  harness = await startBelay({ sipPort });
  await addNumber(harness.belay, NUMBER, `${app.url}/voice`, `${app.url}/status`);
});

after(async () => {
  await harness?.stop();
  await app?.close();
});

test("the recording of a SIP caller is exactly the audio it sent", async () => {
  const peer = await UdpPeer.open();
  const rtp = await RtpPeer.open();
  try {
    const call = new PeerCall(peer, sipPort, NUMBER, rtp.port);
    call.invite({ body: sdpOffer(rtp.port, { formats: "0 101" }) });
    const ok = await peer.response(200, "INVITE");
    call.answered(ok).ack();
    const sent = callerUlaw(175); // 3.5 s: the recording's 2 s fit well inside
    const streaming = rtp.stream(sent, audioPort(ok.body));
    const record = await app.nextHit("/recorded");
    assert.equal(record.body.termReason, "maxLength");
    const bye = await peer.request("BYE", 8000);
    assert.equal(bye.message.headers.get("Call-ID"), call.callId);
    await streaming;

    const response = await fetch(String(record.body.recordingUrl), {
      headers: { authorization: authOf(harness.belay) },
    });
    assert.equal(response.status, 200);
    const recorded = readWav(new Uint8Array(await response.arrayBuffer())).pcm8k;
    assert.equal(recorded.length, 2 * 8000, "maxLengthSec 2");
    // Frames before the first packet came are silence; from there on every sample is the caller's.
    const first = recorded.findIndex((s) => s !== 0);
    assert.ok(
      first >= 0 && first % 160 === 0 && first < 8000,
      `audio starts on a frame boundary (at ${first})`,
    );
    const heard = recorded.subarray(first);
    const decoded = decodeUlaw(sent);
    let offset = -1;
    for (let k = 0; k + heard.length <= decoded.length && offset < 0; k += 160) {
      if (heard.every((s, i) => s === decoded[k + i])) offset = k;
    }
    assert.ok(offset >= 0, "the recorded audio is a run of the sent audio, sample for sample");
  } finally {
    await peer.close();
    await rtp.close();
  }
});

test("a caller that hangs up right after its last packet is recorded to its last sample", async () => {
  const port = await freeUdpPort();
  const hangupApp = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 60, silenceTimeoutMs: 60_000 } },
      ],
    }),
  });
  const belay = await startBelay({ sipPort: port });
  const peer = await UdpPeer.open();
  const rtp = await RtpPeer.open();
  try {
    await addNumber(belay.belay, NUMBER, `${hangupApp.url}/voice`, `${hangupApp.url}/status`);
    const call = new PeerCall(peer, port, NUMBER, rtp.port);
    call.invite({ body: sdpOffer(rtp.port) });
    const ok = await peer.response(200, "INVITE");
    call.answered(ok).ack();
    const sent = callerUlaw(50);
    await rtp.stream(sent, audioPort(ok.body));
    // The BYE follows the last packet at once: that packet is still in Belay's jitter buffer.
    call.bye();
    await peer.response(200, "BYE");
    const record = await hangupApp.nextHit("/recorded");
    assert.equal(record.body.termReason, "hangup");
    const row = await belay.belay.store.recordings.get(
      belay.belay.account.accountId,
      String(record.body.recordingId),
    );
    assert.ok(row, "the recording is stored");
    const response = await fetch(String(record.body.recordingUrl), {
      headers: { authorization: authOf(belay.belay) },
    });
    const recorded = readWav(new Uint8Array(await response.arrayBuffer())).pcm8k;
    const decoded = decodeUlaw(sent);
    const first = recorded.findIndex((s) => s !== 0);
    assert.ok(first >= 0, "the caller's audio was recorded");
    // From the first frame heard to the end, the recording is the sent audio's tail: nothing cut off.
    const heard = recorded.subarray(first);
    const tail = decoded.subarray(decoded.length - heard.length);
    assert.ok(
      heard.length > 0 && heard.every((s, i) => s === tail[i]),
      "the last samples sent are the last recorded",
    );
  } finally {
    await peer.close();
    await rtp.close();
    await belay.stop();
    await hangupApp.close();
  }
});

test("belay.close() hangs up a live SIP call with BYE; its recording and webhooks complete first", async () => {
  const port = await freeUdpPort();
  const shutdownApp = await startScriptedApp({
    "/voice": (_hit, base) => ({
      body: [
        { RecordUtterance: { actionUrl: `${base}/recorded`, maxLengthSec: 60, silenceTimeoutMs: 60_000 } },
      ],
    }),
  });
  const closing = await startBelay({ sipPort: port });
  const peer = await UdpPeer.open();
  const rtp = await RtpPeer.open();
  try {
    await addNumber(closing.belay, NUMBER, `${shutdownApp.url}/voice`, `${shutdownApp.url}/status`);
    const call = new PeerCall(peer, port, NUMBER, rtp.port);
    call.invite({ body: sdpOffer(rtp.port) });
    const ok = await peer.response(200, "INVITE");
    call.answered(ok).ack();
    await rtp.stream(callerUlaw(25), audioPort(ok.body));
    const closed = closing.belay.close();
    const bye = await peer.request("BYE");
    peer.send(
      Buffer.from(
        [
          "SIP/2.0 200 OK",
          ...bye.message.headers.getAll("Via").map((v) => `Via: ${v}`),
          `From: ${bye.message.headers.get("From")}`,
          `To: ${bye.message.headers.get("To")}`,
          `Call-ID: ${call.callId}`,
          `CSeq: ${bye.message.headers.get("CSeq")}`,
          "Content-Length: 0",
          "",
          "",
        ].join("\r\n"),
      ),
      port,
    );
    await closed;
    const record = shutdownApp.hits.find((h) => h.path === "/recorded");
    assert.ok(record, "the record webhook went out before close() resolved");
    assert.ok(Number(record.body.recordingSize) > 44, "with the audio heard so far");
    const status = shutdownApp.hits.find((h) => h.path === "/status");
    assert.equal(status?.body.callEndedReason, "callCanceled");
  } finally {
    await peer.close();
    await rtp.close();
    await rm(closing.dataDir, { recursive: true, force: true });
    await shutdownApp.close();
  }
});
