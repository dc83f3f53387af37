import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import type { FrameSource, Leg } from "../../src/engine/leg.js";
import { emptyHeader, parseRtp, type RtpHeader } from "../../src/legs/sip/rtp/packet.js";
import { openRtpSession } from "../../src/legs/sip/rtp/session.js";
import { createSdpNegotiator } from "../../src/legs/sip/sdp/negotiator.js";
import { SipService } from "../../src/legs/sip/sip-service.js";
import type { Frame } from "../../src/media/frame.js";
import { decodeAlaw, encodeAlaw } from "../../src/media/g711.js";
import { RealClock } from "../../src/time/clock.js";
import { HOST, Peer, testSignal } from "./rtp-harness.js";
import { PeerCall } from "./sip-call-peer.js";
import { sdpOffer, UdpPeer } from "./udp-peer.js";

/**
 * An inbound SIP leg streaming a frame source, end to end on real sockets and the real clock: a
 * scripted SIP peer calls in (PCMA, ptime 30), Belay answers, the leg streams known frames and
 * sends a key meanwhile, and the peer's RTP socket reads what arrived.
 */

/** Frame k is samples [160k, 160k + 160) of one long signal. */
class KnownFrames implements FrameSource {
  pulls = 0;
  constructor(readonly pcm: Int16Array) {}
  next(): Frame {
    const k = this.pulls++;
    return this.pcm.subarray(k * 160, (k + 1) * 160);
  }
}

function header(data: Buffer): RtpHeader {
  const h = emptyHeader();
  assert.equal(parseRtp(data, h), "ok");
  return h;
}

describe("a SIP leg streams", () => {
  test("the peer's RTP decodes to the source's frames, with a key sent meanwhile", {
    timeout: 20_000,
  }, async () => {
    const logger = pino({ level: "silent" });
    const clock = new RealClock();
    let legReady!: (leg: Leg) => void;
    const answered = new Promise<Leg>((resolve) => {
      legReady = resolve;
    });
    const service = await SipService.start({
      listenHost: HOST,
      port: 0,
      advertiseHost: HOST,
      maxCalls: 10,
      outbound: undefined,
      clock,
      logger,
      negotiator: createSdpNegotiator(),
      openMedia: (callLogger) =>
        openRtpSession({ host: HOST, portRange: { min: 42000, max: 42999 }, clock, logger: callLogger }),
      inbound: {
        route: async () => ({
          accept: true,
          callId: "CA-stream",
          accountId: "AC-test",
          start(leg) {
            leg.listen({ frame: () => true, digit() {}, hangup() {} });
            void leg.answer().then(() => legReady(leg));
          },
        }),
      },
    });
    const sip = await UdpPeer.open();
    const rtp = await Peer.open();
    try {
      const call = new PeerCall(sip, service.address.port, "+15550002222", rtp.port);
      call.invite({ body: sdpOffer(rtp.port, { formats: "8 101" }).replace("a=ptime:20", "a=ptime:30") });
      const ok = await sip.response(200, "INVITE");
      assert.match(ok.body.toString(), /a=ptime:30/);
      call.answered(ok).ack();
      const leg = await answered;

      const source = new KnownFrames(testSignal(160 * 1000, 11));
      const controller = new AbortController();
      const streaming = leg.stream(source, controller.signal);
      await rtp.waitFor(10);
      await leg.sendDigits("7", 0, new AbortController().signal);
      const afterKey = rtp.received.length;
      await rtp.waitFor(afterKey + 18);
      controller.abort();
      await streaming;

      const packets = rtp.received.map((data) => ({ data, h: header(data) }));
      const first = packets[0]?.h as RtpHeader;
      packets.forEach(({ h }, n) => {
        assert.equal(h.sequence, (first.sequence + n) & 0xffff, "one sequence, no gap");
      });
      const events = packets.filter(({ h }) => h.payloadType === 101);
      assert.equal(events.length, 8, "five progress packets and three end packets");
      for (const { data, h } of events) assert.equal(data[h.payloadOffset], 7);
      const audio = packets.filter(({ h }) => h.payloadType === 8);
      const eventAt = ((events[0]?.h.timestamp as number) - first.timestamp) >>> 0;
      for (const { data, h } of audio) {
        assert.equal(h.payloadLength, 240);
        // Each packet carries the samples its timestamp names: 240 of the source, through G.711.
        const at = (h.timestamp - first.timestamp) >>> 0;
        assert.ok(at < eventAt || at >= eventAt + 800, "no audio while the key is sent");
        const expected = decodeAlaw(encodeAlaw(source.pcm.subarray(at, at + 240)));
        assert.deepEqual(
          decodeAlaw(data.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)),
          expected,
        );
      }
      // Contiguous audio up to the key, and from its end on (the slot at its end may be the next 30 ms).
      const ats = audio.map(({ h }) => (h.timestamp - first.timestamp) >>> 0);
      const before = ats.filter((at) => at < eventAt);
      assert.deepEqual(
        before,
        before.map((_, n) => n * 240),
      );
      assert.equal(eventAt, before.length * 240, "the key starts where the audio stopped");
      const after = ats.filter((at) => at > eventAt);
      assert.ok(
        before.length >= 10 && after.length >= 10,
        `${before.length} + ${after.length} audio packets`,
      );
      assert.ok(
        (after[0] as number) - (eventAt + 800) < 240,
        "audio resumes at the first packet time after the key",
      );
      assert.deepEqual(
        after,
        after.map((_, n) => (after[0] as number) + n * 240),
      );

      call.bye();
      await sip.response(200, "BYE");
    } finally {
      rtp.close();
      await sip.close();
      await service.close();
    }
  });
});
