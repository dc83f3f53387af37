import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseSipMessage } from "../../src/legs/sip/message/index.js";
import {
  buildAnswer,
  buildOffer,
  createSdpNegotiator,
  isSdpError,
  type MediaPlan,
  negotiate,
  parseAnswer,
  parseSdp,
  SdpNegotiationError,
  SdpParseError,
} from "../../src/legs/sip/sdp/index.js";

/** SDP offer/answer with the SDPs real peers send: baresip's and sipp's. */

const body = (name: string) =>
  parseSipMessage(readFileSync(new URL(`../fixtures/sip/${name}`, import.meta.url))).body;
const sdp = (lines: string[]) => `${lines.join("\r\n")}\r\n`;
const LOCAL = { address: "127.0.0.1", port: 40000, sessionId: "4242", version: 1 };

const SIPP_PCMU = sdp([
  "v=0",
  "o=user1 53655765 2353687637 IN IP4 127.0.0.1",
  "s=-",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "m=audio 6000 RTP/AVP 0 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-16",
  "a=ptime:20",
]);

function planOf(text: string): MediaPlan {
  const offer = parseSdp(text).audio;
  assert.ok(offer);
  const result = negotiate(offer);
  assert.ok("plan" in result, JSON.stringify(result));
  return result.plan;
}

function refusal(text: string): string {
  const offer = parseSdp(text).audio;
  assert.ok(offer);
  const result = negotiate(offer);
  assert.ok("error" in result, "should be refused");
  assert.equal(result.error.status, 488);
  return result.error.reason;
}

test("baresip's offer: PCMU first, telephone-event 101, ptime 20; a=ssrc, a=rtcp-rsize, a=label ignored", () => {
  const session = parseSdp(body("baresip-invite.sip"));
  assert.equal(session.origin?.sessionId, "1752956735");
  assert.deepEqual(session.audio, {
    address: "192.0.2.2",
    port: 41016,
    formats: [
      { payloadType: 0, encoding: "PCMU", clockRate: 8000 },
      { payloadType: 8, encoding: "PCMA", clockRate: 8000 },
      { payloadType: 101, encoding: "telephone-event", clockRate: 8000, fmtp: "0-15" },
    ],
    ptimeMs: 20,
    direction: "sendrecv",
    protocol: "RTP/AVP",
  });
  assert.deepEqual(planOf(body("baresip-invite.sip").toString()), {
    codec: "PCMU",
    payloadType: 0,
    ptimeMs: 20,
    telephoneEventPt: 101,
    remote: { address: "192.0.2.2", port: 41016 },
    direction: "sendrecv",
  });
});

test("sipp's uac_pcap offer: PCMA only and no ptime (its pcap is 30 ms): PCMA at the default 20 ms", () => {
  const plan = planOf(body("sipp-uac-pcap-invite.sip").toString());
  assert.equal(plan.codec, "PCMA");
  assert.equal(plan.payloadType, 8);
  assert.equal(plan.ptimeMs, 20);
  assert.equal(plan.telephoneEventPt, 101);
  assert.deepEqual(plan.remote, { address: "127.0.0.1", port: 6000 });
});

test("the peer's ptime is followed, clamped to 10–60 ms; sipp's PCMU scenario at 20", () => {
  assert.equal(planOf(SIPP_PCMU).ptimeMs, 20);
  assert.equal(planOf(SIPP_PCMU.replace("a=ptime:20", "a=ptime:30")).ptimeMs, 30);
  assert.equal(planOf(SIPP_PCMU.replace("a=ptime:20", "a=ptime:5")).ptimeMs, 10);
  assert.equal(planOf(SIPP_PCMU.replace("a=ptime:20", "a=ptime:120")).ptimeMs, 60);
  assert.equal(planOf(SIPP_PCMU.replace("a=ptime:20", "a=ptime:abc")).ptimeMs, 20);
  assert.equal(planOf(SIPP_PCMU.replace("a=ptime:20\r\n", "")).ptimeMs, 20);
});

test("the peer's first G.711 wins, static types need no rtpmap, telephone-event at any payload type", () => {
  const offer = (formats: string, extra: string[] = []) =>
    sdp([
      "v=0",
      "o=- 1 1 IN IP4 10.0.0.1",
      "s=-",
      "c=IN IP4 10.0.0.1",
      "t=0 0",
      `m=audio 5004 RTP/AVP ${formats}`,
      ...extra,
    ]);
  assert.equal(planOf(offer("8 0")).codec, "PCMA");
  assert.equal(planOf(offer("18 0 8", ["a=rtpmap:18 G729/8000"])).codec, "PCMU");
  const te96 = planOf(offer("0 96", ["a=rtpmap:96 telephone-event/8000"]));
  assert.equal(te96.telephoneEventPt, 96);
  assert.equal(planOf(offer("0")).telephoneEventPt, undefined);
  assert.match(refusal(offer("18 9", ["a=rtpmap:18 G729/8000"])), /no common codec/);
  assert.match(refusal(offer("96", ["a=rtpmap:96 opus/48000/2"])), /no common codec/);
  assert.match(refusal(offer("0").replace("m=audio 5004", "m=audio 0")), /port 0/);
  assert.match(refusal(offer("0").replace("RTP/AVP", "RTP/SAVP")), /transport/);
});

test("c= at media level overrides the session's; a missing one is a 488", () => {
  const text = sdp([
    "v=0",
    "o=- 1 1 IN IP4 10.0.0.1",
    "s=-",
    "c=IN IP4 10.0.0.1",
    "t=0 0",
    "m=audio 5004 RTP/AVP 0",
    "c=IN IP4 10.0.0.9",
  ]);
  assert.deepEqual(planOf(text).remote, { address: "10.0.0.9", port: 5004 });
  assert.match(refusal(sdp(["v=0", "s=-", "t=0 0", "m=audio 5004 RTP/AVP 0"])), /connection address/);
});

test("hold and resume in a re-INVITE: Belay's direction mirrors the peer's, c=0.0.0.0 is hold", () => {
  assert.equal(planOf(SIPP_PCMU.replace("a=ptime:20", "a=sendonly")).direction, "recvonly");
  assert.equal(planOf(SIPP_PCMU.replace("a=ptime:20", "a=recvonly")).direction, "sendonly");
  assert.equal(planOf(SIPP_PCMU.replace("a=ptime:20", "a=inactive")).direction, "inactive");
  const legacy = planOf(SIPP_PCMU.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0"));
  assert.equal(legacy.direction, "recvonly");
  assert.equal(legacy.remote.address, "0.0.0.0");
  const sessionLevel = SIPP_PCMU.replace("t=0 0", "t=0 0\r\na=sendonly");
  assert.equal(planOf(sessionLevel).direction, "recvonly");
  assert.equal(planOf(SIPP_PCMU).direction, "sendrecv", "resumed");
});

test("the answer: chosen codec, the peer's telephone-event type, ptime, direction; other m-lines declined in place", () => {
  const offer = parseSdp(
    sdp([
      "v=0",
      "o=- 1 1 IN IP4 10.0.0.1",
      "s=-",
      "c=IN IP4 10.0.0.1",
      "t=0 0",
      "m=video 5006 RTP/AVP 31",
      "m=audio 5004 RTP/AVP 8 0 96",
      "a=rtpmap:96 telephone-event/8000",
      "a=ptime:30",
      "a=sendonly",
    ]),
  );
  const result = negotiate(offer.audio as NonNullable<typeof offer.audio>);
  assert.ok("plan" in result);
  const answer = buildAnswer(result.plan, LOCAL, offer);
  assert.equal(
    answer,
    sdp([
      "v=0",
      "o=belay 4242 1 IN IP4 127.0.0.1",
      "s=belay",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      "m=video 0 RTP/AVP 31",
      "m=audio 40000 RTP/AVP 8 96",
      "a=rtpmap:8 PCMA/8000",
      "a=rtpmap:96 telephone-event/8000",
      "a=fmtp:96 0-15",
      "a=ptime:30",
      "a=recvonly",
    ]),
  );
  const reread = parseSdp(answer);
  assert.equal(reread.media.length, 2);
  assert.equal(reread.audioIndex, 1);
});

test("the answer's telephone-event list is what both sides handle: sipp's 0-11,16 gives 0-11", () => {
  const answerFor = (text: string) => {
    const offer = parseSdp(text);
    const result = negotiate(offer.audio as NonNullable<typeof offer.audio>);
    assert.ok("plan" in result);
    return buildAnswer(result.plan, LOCAL, offer);
  };
  assert.match(answerFor(body("sipp-uac-pcap-invite.sip").toString()), /\r\na=fmtp:101 0-11\r\n/);
  assert.match(answerFor(body("baresip-invite.sip").toString()), /\r\na=fmtp:101 0-15\r\n/);
  assert.match(answerFor(SIPP_PCMU.replace("a=fmtp:101 0-16\r\n", "")), /\r\na=fmtp:101 0-15\r\n/);
  assert.match(answerFor(SIPP_PCMU.replace("0-16", "1,3-5,15")), /\r\na=fmtp:101 1,3-5,15\r\n/);
});

test("Belay's offer, and the plan from the peer's answer to it", () => {
  const offer = buildOffer(LOCAL);
  assert.equal(
    offer,
    sdp([
      "v=0",
      "o=belay 4242 1 IN IP4 127.0.0.1",
      "s=belay",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      "m=audio 40000 RTP/AVP 0 8 101",
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:8 PCMA/8000",
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-15",
      "a=ptime:20",
      "a=sendrecv",
    ]),
  );
  // baresip answering with PCMA only, telephone-event and a 40 ms ptime.
  const answer = sdp([
    "v=0",
    "o=- 1 2 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    "m=audio 41000 RTP/AVP 8 101",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=ptime:40",
    "a=sendrecv",
    "a=rtcp-rsize",
  ]);
  assert.deepEqual(parseAnswer(offer, answer), {
    codec: "PCMA",
    payloadType: 8,
    ptimeMs: 40,
    telephoneEventPt: 101,
    remote: { address: "127.0.0.1", port: 41000 },
    direction: "sendrecv",
  });
  assert.equal(parseAnswer(offer, answer.replace("a=ptime:40\r\n", "")).ptimeMs, 20, "Belay's offered ptime");
  assert.throws(() => parseAnswer(offer, answer.replace("m=audio 41000", "m=audio 0")), SdpNegotiationError);
  assert.throws(
    () =>
      parseAnswer(
        offer,
        answer.replace("RTP/AVP 8 101", "RTP/AVP 18").replace("a=rtpmap:8 PCMA", "a=rtpmap:18 G729"),
      ),
    /no PCMU or PCMA/,
  );
});

test("malformed SDP is a typed error, never a crash", () => {
  const bad = [
    "",
    "hello",
    "v=1\r\n",
    "v=0\r\nm=audio\r\n",
    "v=0\r\nm=audio 99999 RTP/AVP 0\r\n",
    "v=0\r\nc=IN IP4\r\n",
    "v=0\r\nnonsense\r\n",
  ];
  for (const text of bad) {
    assert.throws(
      () => parseSdp(text),
      (err) => err instanceof SdpParseError && isSdpError(err),
      JSON.stringify(text),
    );
  }
  assert.equal(
    parseSdp("v=0\nc=IN IP4 10.0.0.1\nm=audio 5004 RTP/AVP 0\n").audio?.address,
    "10.0.0.1",
    "bare LF",
  );
});

test("the SIP layer's negotiator: 488 reasons, answers that keep the o= session and bump its version", () => {
  const negotiator = createSdpNegotiator();
  const media = { address: "127.0.0.1", port: 40002 };
  const offered = negotiator.negotiate(body("baresip-invite.sip"));
  assert.ok(offered.ok);
  const first = parseSdp(negotiator.answer(offered.plan, media)).origin;
  const second = parseSdp(negotiator.answer(offered.plan, media)).origin;
  assert.equal(first?.sessionId, second?.sessionId);
  assert.equal(Number(second?.version), Number(first?.version) + 1);

  const refused = negotiator.negotiate(Buffer.from(SIPP_PCMU.replace("RTP/AVP 0 101", "RTP/AVP 18")));
  assert.deepEqual(refused, { ok: false, reason: "no common codec: Belay takes PCMU or PCMA" });
  assert.equal(negotiator.negotiate(Buffer.from("garbage")).ok, false);

  const offer = negotiator.offer(media).toString();
  assert.match(offer, /m=audio 40002 RTP\/AVP 0 8 101/);
  const accepted = negotiator.accept(Buffer.from(SIPP_PCMU));
  assert.ok(accepted.ok);
  assert.equal(accepted.plan.codec, "PCMU");
  assert.equal(negotiator.accept(Buffer.from("v=0\r\n")).ok, false);
});
