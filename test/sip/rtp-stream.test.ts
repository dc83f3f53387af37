import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { FrameSource } from "../../src/engine/leg.js";
import { emptyHeader, parseRtp, type RtpHeader } from "../../src/legs/sip/rtp/packet.js";
import type { Frame } from "../../src/media/frame.js";
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from "../../src/media/g711.js";
import { Rig, testSignal } from "./rtp-harness.js";

/**
 * RtpSender's stream job on the manual clock, the packets read back from a real UDP socket: a
 * conference's mix sent at the plan's packet time, with digits interleaved.
 */

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Frame k is samples [160k, 160k + 160) of one long signal; counts how many were pulled. */
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

function payload(data: Buffer): Buffer {
  const h = header(data);
  return data.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
}

function decode(data: Buffer): Int16Array {
  return header(data).payloadType === 8 ? decodeAlaw(payload(data)) : decodeUlaw(payload(data));
}

/** What the far end can hear of `pcm` through G.711: encoded, then decoded. */
function roundTrip(pcm: Int16Array, payloadType: 0 | 8): Int16Array {
  return payloadType === 8 ? decodeAlaw(encodeAlaw(pcm)) : decodeUlaw(encodeUlaw(pcm));
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const settledYet = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
};

describe("RTP stream", () => {
  test("ptime 20: one frame per packet, payloads are the frames through G.711, sequence and timestamps contiguous", async () => {
    rig = await Rig.open();
    const source = new KnownFrames(testSignal(160 * 100));
    const original = source.pcm.slice();
    const controller = new AbortController();
    const done = rig.session.stream(source, controller.signal);
    assert.equal(rig.session.stats().packetsSent, 1, "the first packet goes at once");
    assert.equal(source.pulls, 1);
    for (let n = 2; n <= 50; n++) {
      rig.clock.advance(20);
      assert.equal(rig.session.stats().packetsSent, n);
      assert.equal(source.pulls, n, "one frame per 20 ms, never ahead");
    }
    controller.abort();
    await done;
    await rig.peer.waitFor(50);
    const packets = rig.peer.received;
    const first = header(packets[0] as Buffer);
    packets.forEach((data, n) => {
      const h = header(data);
      assert.equal(h.payloadType, 0);
      assert.equal(h.ssrc, first.ssrc);
      assert.equal(h.sequence, (first.sequence + n) & 0xffff);
      assert.equal(h.timestamp, (first.timestamp + n * 160) >>> 0);
      assert.equal(h.marker, n === 0);
    });
    assert.deepEqual(concat(packets.map(decode)), roundTrip(source.pcm.subarray(0, 50 * 160), 0));
    assert.deepEqual(source.pcm, original, "frames are read-only to the leg");
  });

  for (const { ptimeMs, payloadType } of [
    { ptimeMs: 30, payloadType: 8 },
    { ptimeMs: 10, payloadType: 0 },
    { ptimeMs: 40, payloadType: 0 },
    { ptimeMs: 60, payloadType: 8 },
  ] as const) {
    test(`ptime ${ptimeMs} (${payloadType === 8 ? "PCMA" : "PCMU"}): 20 ms frames split or joined, no sample skipped or repeated`, async () => {
      rig = await Rig.open({ ptimeMs, payloadType, codec: payloadType === 8 ? "PCMA" : "PCMU" });
      const source = new KnownFrames(testSignal(160 * 100, 3));
      const controller = new AbortController();
      const done = rig.session.stream(source, controller.signal);
      const samplesPerPacket = ptimeMs * 8;
      const packets = 600 / ptimeMs + 1;
      for (let n = 1; n <= packets; n++) {
        assert.equal(rig.session.stats().packetsSent, n);
        // Pulled when a packet needs them, and no more: the rest waits for the next packet.
        assert.equal(source.pulls, Math.ceil((n * samplesPerPacket) / 160), `pulls after packet ${n}`);
        if (n < packets) {
          rig.clock.advance(ptimeMs - 1);
          assert.equal(rig.session.stats().packetsSent, n, "not before its time");
          rig.clock.advance(1);
        }
      }
      controller.abort();
      await done;
      await rig.peer.waitFor(packets);
      const received = rig.peer.received;
      const first = header(received[0] as Buffer);
      received.forEach((data, n) => {
        const h = header(data);
        assert.equal(h.payloadType, payloadType);
        assert.equal(h.payloadLength, samplesPerPacket);
        assert.equal(h.sequence, (first.sequence + n) & 0xffff);
        assert.equal(h.timestamp, (first.timestamp + n * samplesPerPacket) >>> 0);
      });
      assert.deepEqual(
        concat(received.map(decode)),
        roundTrip(source.pcm.subarray(0, packets * samplesPerPacket), payloadType),
      );
    });
  }

  test("digits interleave: audio stops for the key, then resumes on time with a marker and no burst", async () => {
    rig = await Rig.open();
    const source = new KnownFrames(testSignal(160 * 100, 5));
    const controller = new AbortController();
    const done = rig.session.stream(source, controller.signal);
    rig.clock.advance(30); // audio at 0 and 20
    const keys = rig.session.sendDigits("1", 0, new AbortController().signal);
    assert.equal(rig.session.stats().packetsSent, 2, "the key waits for the next packet time");
    // Per packet time from 40: one event packet each (audio suspended), then at 140 the three end
    // packets and the audio due then, and from 160 one audio packet again.
    const sentAt: number[] = [];
    for (let t = 40; t <= 180; t += 20) {
      rig.clock.advance(t === 40 ? 10 : 20);
      sentAt.push(rig.session.stats().packetsSent);
    }
    assert.deepEqual(sentAt, [3, 4, 5, 6, 7, 11, 12, 13]);
    assert.equal(await settledYet(keys), true, "sendDigits resolves once the key is over");
    controller.abort();
    await done;
    await rig.peer.waitFor(13);
    const hs = rig.peer.received.map(header);
    assert.deepEqual(
      hs.map((h) => h.payloadType),
      [0, 0, 101, 101, 101, 101, 101, 101, 101, 101, 0, 0, 0],
    );
    const first = hs[0] as RtpHeader;
    hs.forEach((h, n) => {
      assert.equal(h.sequence, (first.sequence + n) & 0xffff, "no gap in sequence numbers");
    });
    const at = (h: RtpHeader) => ((h.timestamp - first.timestamp) >>> 0) / 8;
    assert.deepEqual(
      hs.map(at),
      [0, 20, 40, 40, 40, 40, 40, 40, 40, 40, 140, 160, 180],
      "the event starts where the audio ends; the audio after it counts the 100 ms it took",
    );
    assert.deepEqual(
      hs.map((h) => h.marker),
      [true, false, true, false, false, false, false, false, false, false, true, false, false],
    );
    // The source kept its cadence: the frames for 40-120 ms were taken and not sent.
    assert.equal(source.pulls, 10);
    const audio = rig.peer.received.filter((_, n) => hs[n]?.payloadType === 0);
    assert.deepEqual(
      audio.map(decode),
      [0, 1, 7, 8, 9].map((k) => roundTrip(source.pcm.subarray(k * 160, (k + 1) * 160), 0)),
    );
  });

  test("ptime 30 with two keys and a 50 ms pause: audio resumes at the first packet time after them", async () => {
    rig = await Rig.open({ ptimeMs: 30 });
    const source = new KnownFrames(testSignal(160 * 100, 7));
    const controller = new AbortController();
    const done = rig.session.stream(source, controller.signal);
    rig.clock.advance(35); // audio at 0 and 30
    const keys = rig.session.sendDigits("12", 50, new AbortController().signal);
    // The keys start at 60 and last 2 × (100 + 50) ms: to 360, itself a packet time.
    rig.clock.advance(359 - 35);
    assert.equal(await settledYet(keys), false);
    const before = rig.session.stats().packetsSent;
    rig.clock.advance(1);
    assert.equal(await settledYet(keys), true);
    assert.equal(rig.session.stats().packetsSent, before + 1, "one audio packet at 360, nothing to catch up");
    rig.clock.advance(30);
    controller.abort();
    await done;
    await rig.peer.waitFor(before + 2);
    const hs = rig.peer.received.map(header);
    const first = hs[0] as RtpHeader;
    hs.forEach((h, n) => {
      assert.equal(h.sequence, (first.sequence + n) & 0xffff);
    });
    const audio = rig.peer.received.filter((_, n) => hs[n]?.payloadType === 0);
    const audioAt = audio.map((data) => ((header(data).timestamp - first.timestamp) >>> 0) / 8);
    assert.deepEqual(audioAt, [0, 30, 360, 390]);
    const events = hs.filter((h) => h.payloadType === 101);
    assert.deepEqual(
      [...new Set(events.map((h) => ((h.timestamp - first.timestamp) >>> 0) / 8))],
      [60, 210],
      "each key at its own start",
    );
    assert.equal(events.length, 16);
    // Samples are where their time says: the packet at 360 ms carries samples 2880-3119.
    assert.deepEqual(
      audio.map(decode),
      [0, 30, 360, 390].map((ms) => roundTrip(source.pcm.subarray(ms * 8, ms * 8 + 240), 0)),
    );
  });

  test("abort ends the stream at once; a play queued behind it waits, then continues the talkspurt", async () => {
    rig = await Rig.open();
    const source = new KnownFrames(testSignal(160 * 100));
    const controller = new AbortController();
    const done = rig.session.stream(source, controller.signal);
    const pcm = testSignal(320, 9);
    const play = rig.session.play(pcm, new AbortController().signal);
    rig.clock.advance(100);
    assert.equal(rig.session.stats().packetsSent, 6, "only the stream's packets at 0-100 ms");
    assert.equal(await settledYet(play), false);
    rig.clock.advance(10);
    controller.abort();
    assert.equal(await settledYet(done), true, "resolved without the clock moving");
    assert.equal(source.pulls, 6, "no frame pulled after the abort");
    rig.clock.advance(10);
    assert.equal(rig.session.stats().packetsSent, 7, "the play's first packet at 120 ms");
    rig.clock.advance(20);
    await play;
    rig.clock.advance(1000);
    await rig.peer.waitFor(8);
    assert.equal(rig.peer.received.length, 8);
    const hs = rig.peer.received.map(header);
    const first = hs[0] as RtpHeader;
    assert.deepEqual(
      hs.map((h) => ((h.timestamp - first.timestamp) >>> 0) / 160),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      hs.map((h) => h.marker),
      [true, false, false, false, false, false, false, false],
    );
    assert.deepEqual(concat(rig.peer.received.slice(6).map(decode)), roundTrip(pcm, 0));
  });

  test("a stream aborted mid-key: the key still goes out whole", async () => {
    rig = await Rig.open();
    const controller = new AbortController();
    const done = rig.session.stream(new KnownFrames(testSignal(160 * 100)), controller.signal);
    const keys = rig.session.sendDigits("#", 0, new AbortController().signal);
    rig.clock.advance(50); // audio at 0; the key from 20: progress packets at 20 and 40
    controller.abort();
    await done;
    rig.clock.advance(69);
    assert.equal(await settledYet(keys), false);
    rig.clock.advance(1);
    assert.equal(await settledYet(keys), true, "done at 120 ms, as a key alone would be");
    rig.clock.advance(500);
    await rig.peer.waitFor(9);
    const hs = rig.peer.received.map(header);
    assert.deepEqual(
      hs.map((h) => h.payloadType),
      [0, 101, 101, 101, 101, 101, 101, 101, 101],
    );
    assert.equal(rig.session.stats().packetsSent, 9);
  });

  test("an aborted key stops its events and the stream goes straight on", async () => {
    rig = await Rig.open();
    const source = new KnownFrames(testSignal(160 * 100));
    const controller = new AbortController();
    void rig.session.stream(source, controller.signal);
    const keyAbort = new AbortController();
    const keys = rig.session.sendDigits("5", 0, keyAbort.signal);
    rig.clock.advance(45); // audio at 0, events at 20 and 40
    keyAbort.abort();
    await keys;
    rig.clock.advance(15); // audio again at 60
    assert.equal(rig.session.stats().packetsSent, 4);
    controller.abort();
    await rig.peer.waitFor(4);
    const hs = rig.peer.received.map(header);
    assert.deepEqual(
      hs.map((h) => [h.payloadType, h.marker]),
      [
        [0, true],
        [101, true],
        [101, false],
        [0, true],
      ],
    );
    assert.equal(source.pulls, 4);
  });

  test("a source that throws ends the stream with a typed error; a queued play still runs", async () => {
    rig = await Rig.open();
    let pulls = 0;
    const failing: FrameSource = {
      next() {
        if (++pulls === 3) throw new Error("mixer broke");
        return new Int16Array(160);
      },
    };
    const done = rig.session.stream(failing, new AbortController().signal);
    const play = rig.session.play(testSignal(160), new AbortController().signal);
    rig.clock.advance(40);
    await assert.rejects(done, { code: "RTP_STREAM_SOURCE_FAILED" });
    await play;
    assert.equal(rig.session.stats().packetsSent, 3);
  });

  test("close resolves a stream and the keys interleaved with it", async () => {
    rig = await Rig.open();
    const signal = new AbortController().signal;
    const done = rig.session.stream(new KnownFrames(testSignal(160 * 100)), signal);
    const keys = rig.session.sendDigits("123", 100, signal);
    rig.clock.advance(60);
    await rig.session.close();
    await Promise.all([done, keys]);
  });
});
