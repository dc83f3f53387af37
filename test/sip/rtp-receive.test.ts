import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { serializeRtp } from "../../src/legs/sip/rtp/packet.js";
import { openRtpSession } from "../../src/legs/sip/rtp/session.js";
import { decodeAlaw, decodeUlaw } from "../../src/media/g711.js";
import { RealClock } from "../../src/time/clock.js";
import {
  type AudioStream,
  audioPacket,
  captureLogger,
  encode,
  HOST,
  ManualClock,
  Peer,
  packetCount,
  plan,
  RANGE,
  Rig,
  testSignal,
} from "./rtp-harness.js";

const DELAY_SAMPLES = 480; // the default 60 ms playout delay

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function stream(
  payloadType: 0 | 8,
  ptimeMs: number,
  samples: number,
  overrides: Partial<AudioStream> = {},
): AudioStream {
  return {
    ssrc: 0x11223344,
    firstSeq: 65530, // wraps during the test
    firstTs: 0xffffff00, // so does the timestamp
    payloadType,
    samplesPerPacket: ptimeMs * 8,
    bytes: encode(testSignal(samples), payloadType),
    ...overrides,
  };
}

function decoded(s: AudioStream): Int16Array {
  return s.payloadType === 0 ? decodeUlaw(s.bytes) : decodeAlaw(s.bytes);
}

/**
 * Plays a stream in real order on the manual clock: packet n is sent at n × ptime, then the clock
 * moves on in 10 ms steps. `order` may permute or omit packets; each is sent at its slot's time.
 */
async function sendStream(r: Rig, s: AudioStream, order?: number[]): Promise<void> {
  const ptimeMs = s.samplesPerPacket / 8;
  const sequence = order ?? [...Array(packetCount(s)).keys()];
  for (let slot = 0; slot < sequence.length; slot++) {
    await r.deliver(audioPacket(s, sequence[slot] as number));
    for (let t = 0; t < ptimeMs; t += 10) r.clock.advance(10);
  }
}

function assertSamples(actual: Int16Array, expected: Int16Array, at: number): void {
  for (let i = 0; i < expected.length; i++) {
    if (actual[at + i] !== expected[i])
      assert.fail(`sample ${i} (at ${at + i}): ${actual[at + i]} != ${expected[i]}`);
  }
}

function assertSilent(actual: Int16Array, from: number, to: number): void {
  for (let i = from; i < to; i++)
    if (actual[i] !== 0) assert.fail(`sample ${i} should be silence, is ${actual[i]}`);
}

describe("RTP receive", () => {
  test("PCMU at 20 ms comes up sample for sample, one delay after the first packet", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 8000);
    await sendStream(rig, s);
    rig.clock.advance(200);
    const got = rig.samples();
    assertSilent(got, 0, DELAY_SAMPLES);
    assertSamples(got, decoded(s), DELAY_SAMPLES);
    assertSilent(got, DELAY_SAMPLES + 8000, got.length);
    const stats = rig.session.stats();
    assert.equal(stats.packetsReceived, 50);
    assert.equal(stats.packetsLost, 0);
    assert.equal(stats.late, 0);
    assert.equal(stats.dropped, 0);
    assert.equal(stats.jitterMs, 0);
  });

  test("PCMA at 30 ms is re-framed into 20 ms frames, sample for sample", async () => {
    rig = await Rig.open({ codec: "PCMA", payloadType: 8, ptimeMs: 30 });
    const s = stream(8, 30, 240 * 40);
    await sendStream(rig, s);
    rig.clock.advance(200);
    const got = rig.samples();
    for (const frame of rig.frames) assert.equal(frame.length, 160);
    assertSilent(got, 0, DELAY_SAMPLES);
    assertSamples(got, decoded(s), DELAY_SAMPLES);
    assert.equal(rig.session.stats().packetsReceived, 40);
  });

  test("reordered packets land where their timestamps say", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 20);
    // Pairs swapped, and one packet two places late: all within the playout delay.
    await sendStream(rig, s, [0, 2, 1, 4, 3, 5, 6, 8, 9, 7, 10, 11, 13, 12, 14, 15, 16, 17, 19, 18]);
    rig.clock.advance(200);
    assertSamples(rig.samples(), decoded(s), DELAY_SAMPLES);
    const stats = rig.session.stats();
    assert.equal(stats.packetsLost, 0);
    assert.equal(stats.late, 0);
    assert.equal(stats.packetsReceived, 20);
  });

  test("a frame goes up as soon as its audio and the next frame's have arrived, not a delay later", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 10);
    for (let n = 0; n < 10; n++) {
      await rig.deliver(audioPacket(s, n));
      // The delay's three silent frames, then every frame but the newest: 3 + n, where waiting
      // for each frame's deadline would have given n + 1 frames after n + 1 ticks, all silent.
      assert.equal(rig.frames.length, 3 + n, `after packet ${n}`);
      rig.clock.advance(20);
    }
    rig.clock.advance(200);
    const got = rig.samples();
    assertSilent(got, 0, DELAY_SAMPLES);
    assertSamples(got, decoded(s), DELAY_SAMPLES);
    assert.equal(rig.session.stats().late, 0);
  });

  test("each frame goes up with its due time (the end of its 20 ms on the session's clock), early or not", async () => {
    rig = await Rig.open();
    const start = rig.clock.now();
    const s = stream(0, 20, 160 * 10);
    for (let n = 0; n < 10; n++) {
      await rig.deliver(audioPacket(s, n));
      rig.clock.advance(20);
    }
    rig.clock.advance(200);
    const times = rig.frameTimes;
    assert.deepEqual(
      times.map((t) => t.dueAt),
      times.map((_, k) => start + (k + 1) * 20),
    );
    assert.ok(times.every((t) => t.handedUpAt <= t.dueAt));
    assert.ok(
      times.some((t) => t.handedUpAt < t.dueAt),
      "whole frames went up before they were due",
    );
  });

  test("a missing packet holds the frames after it until it comes, or until its deadline", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 12);
    const expected = decoded(s);
    for (let n = 0; n < 12; n++) {
      // Packet 4 comes 40 ms late, after packet 6 (within the 60 ms delay); packet 9 never does.
      if (n !== 4 && n !== 9) await rig.deliver(audioPacket(s, n));
      if (n === 6) {
        // Packets 0-2: the last whole frame before the gap is held back too, as the newest always is.
        assert.equal(rig.frames.length, 3 + 3, "held at the gap");
        await rig.deliver(audioPacket(s, 4));
        assert.equal(rig.frames.length, 3 + 6, "the gap filled: 4 and 5 at once, 6 held back");
      }
      if (n === 10) assert.equal(rig.frames.length, 3 + 8, "frame 9 waits for its deadline, 8 with it");
      rig.clock.advance(20);
    }
    rig.clock.advance(300);
    const got = rig.samples();
    for (let n = 0; n < 12; n++) {
      const at = DELAY_SAMPLES + n * 160;
      if (n === 9) assertSilent(got, at, at + 160);
      else assertSamples(got, expected.subarray(n * 160, (n + 1) * 160), at);
    }
    assert.equal(rig.session.stats().late, 0, "packet 4 was in time for its place");
  });

  test("a lost packet is silence for its 20 ms and counted; the rest is exact", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 20);
    const order = [...Array(20).keys()].filter((n) => n !== 7 && n !== 12);
    await sendStream(rig, s, order);
    rig.clock.advance(300);
    const got = rig.samples();
    const expected = decoded(s);
    for (let n = 0; n < 20; n++) {
      const at = DELAY_SAMPLES + n * 160;
      if (n === 7 || n === 12) assertSilent(got, at, at + 160);
      else assertSamples(got, expected.subarray(n * 160, (n + 1) * 160), at);
    }
    assert.equal(rig.session.stats().packetsLost, 2);
  });

  test("duplicates change nothing: not heard twice, not counted as lost or late", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 10);
    await sendStream(rig, s, [0, 1, 1, 2, 3, 3, 3, 4, 5, 6, 7, 8, 9]);
    rig.clock.advance(300);
    const got = rig.samples();
    assertSamples(got, decoded(s), DELAY_SAMPLES);
    assertSilent(got, DELAY_SAMPLES + 1600, got.length);
    const stats = rig.session.stats();
    assert.equal(stats.packetsLost, 0);
    assert.equal(stats.late, 0);
  });

  test("a packet that arrives after its frame went out is counted late; its frame stays silent", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 12);
    await sendStream(rig, s, [0, 1, 2, 3, 5, 6, 7, 8, 9, 10]);
    await rig.deliver(audioPacket(s, 4)); // ~120 ms late: past the 60 ms delay
    await sendStream(
      rig,
      { ...s, firstSeq: s.firstSeq + 11, firstTs: s.firstTs + 11 * 160, bytes: s.bytes.subarray(11 * 160) },
      [0],
    );
    rig.clock.advance(200);
    const got = rig.samples();
    const expected = decoded(s);
    assertSamples(got, expected.subarray(0, 4 * 160), DELAY_SAMPLES);
    assertSilent(got, DELAY_SAMPLES + 4 * 160, DELAY_SAMPLES + 5 * 160);
    assertSamples(got, expected.subarray(5 * 160), DELAY_SAMPLES + 5 * 160);
    const stats = rig.session.stats();
    assert.equal(stats.late, 1);
    assert.equal(stats.packetsLost, 0, "it did arrive");
  });

  test("a new SSRC re-anchors: its audio follows the old source's without overlap or gap", async () => {
    rig = await Rig.open();
    const a = stream(0, 20, 160 * 10);
    const b = stream(0, 20, 160 * 10, {
      ssrc: 0xdeadbeef,
      firstSeq: 17,
      firstTs: 123456,
      bytes: encode(testSignal(1600, 7), 0),
    });
    await sendStream(rig, a);
    await sendStream(rig, b);
    rig.clock.advance(300);
    const got = rig.samples();
    assertSamples(got, decoded(a), DELAY_SAMPLES);
    assertSamples(got, decoded(b), DELAY_SAMPLES + 1600);
    assert.equal(rig.session.stats().packetsLost, 0);
  });

  test("a timestamp jump with contiguous sequence numbers re-anchors instead of going silent", async () => {
    rig = await Rig.open();
    const a = stream(0, 20, 160 * 10);
    const b = stream(0, 20, 160 * 10, {
      firstSeq: (a.firstSeq + 10) & 0xffff,
      firstTs: (a.firstTs + 5_000_000) >>> 0,
      bytes: encode(testSignal(1600, 3), 0),
    });
    await sendStream(rig, a);
    await rig.deliver(audioPacket(b, 0, { marker: false }));
    for (let n = 1; n < 10; n++) {
      rig.clock.advance(20);
      await rig.deliver(audioPacket(b, n));
    }
    rig.clock.advance(300);
    const got = rig.samples();
    assertSamples(got, decoded(a), DELAY_SAMPLES);
    // One frame's drift is allowed for where the jump lands; the audio itself is whole.
    const bStart = DELAY_SAMPLES + 1600;
    assertSamples(got, decoded(b), bStart);
    assert.equal(rig.session.stats().packetsLost, 0);
    assert.equal(rig.session.stats().late, 0);
  });

  /** Which packet each frame carries (-1: silence, -2: anything else), packets being one frame each. */
  function framesToPackets(r: Rig, s: AudioStream): number[] {
    const expected = decoded(s);
    return r.frames.map((f) => {
      if (f.every((x) => x === 0)) return -1;
      for (let n = 0; n * 160 < expected.length; n++) {
        if (f.every((x, i) => x === expected[n * 160 + i])) return n;
      }
      return -2;
    });
  }

  test("a sender whose clock runs fast: the buffer is cut back, never overrun; what plays is whole packets in order", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 400, { firstSeq: 0, firstTs: 0 });
    for (let n = 0; n < 400; n++) {
      await rig.deliver(audioPacket(s, n));
      rig.clock.advance(n % 5 === 4 ? 15 : 20); // 5% fast, a drift that shows within a test
    }
    rig.clock.advance(500);
    const heard = framesToPackets(rig, s).filter((n) => n !== -1);
    assert.ok(!heard.includes(-2), "no frame is a mix of stale and new audio");
    for (let i = 1; i < heard.length; i++)
      assert.ok((heard[i] as number) > (heard[i - 1] as number), "in order, none twice");
    assert.ok(heard.length < 400 && heard.length > 300, `${heard.length} packets heard`);
    assert.equal(rig.session.stats().late, 0);
  });

  test("a sender whose clock runs slow: a few late packets re-anchor; what plays is whole packets in order", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 300, { firstSeq: 0, firstTs: 0 });
    for (let n = 0; n < 300; n++) {
      await rig.deliver(audioPacket(s, n));
      rig.clock.advance(n % 5 === 4 ? 25 : 20);
    }
    rig.clock.advance(500);
    const heard = framesToPackets(rig, s).filter((n) => n !== -1);
    assert.ok(!heard.includes(-2), `frames: ${heard}`);
    for (let i = 1; i < heard.length; i++)
      assert.ok((heard[i] as number) > (heard[i - 1] as number), `frames: ${heard}`);
    const late = rig.session.stats().late;
    assert.ok(late > 0 && late < 30, `${late} late`);
    assert.ok(heard.length >= 300 - late, "heard.length >= 300 - late");
  });

  test("a burst after our event loop stalled is played whole: early only by the stall, not a timestamp jump", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 20);
    await rig.deliver(audioPacket(s, 0));
    rig.clock.advance(20);
    rig.clock.stall(400); // no frame ticks meanwhile; the peer kept sending
    for (let n = 1; n < 20; n++) await rig.deliver(audioPacket(s, n));
    rig.clock.advance(0); // the overdue ticks catch up
    rig.clock.advance(300);
    assertSamples(rig.samples(), decoded(s), DELAY_SAMPLES);
    assert.equal(rig.session.stats().late, 0);
  });

  test("a burst after a stall longer than the ring can cover is re-anchored, never wrapped onto unread frames", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 100, { firstSeq: 0, firstTs: 0 });
    await rig.deliver(audioPacket(s, 0));
    rig.clock.advance(20);
    rig.clock.stall(2000);
    for (let n = 1; n < 100; n++) await rig.deliver(audioPacket(s, n));
    rig.clock.advance(0);
    rig.clock.advance(500);
    const heard = framesToPackets(rig, s).filter((n) => n !== -1);
    assert.ok(!heard.includes(-2), `frames: ${heard}`);
    for (let i = 1; i < heard.length; i++)
      assert.ok((heard[i] as number) > (heard[i - 1] as number), `frames: ${heard}`);
    assert.ok(heard.length > 0, "some audio is heard");
  });

  test("a peer that stops sending is silence: frames keep coming, one per 20 ms", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 5);
    await sendStream(rig, s);
    rig.clock.advance(10_000);
    const before = rig.frames.length;
    rig.clock.advance(10_000);
    assert.equal(rig.frames.length, before + 500);
    const got = rig.samples();
    assertSamples(got, decoded(s), DELAY_SAMPLES);
    assertSilent(got, DELAY_SAMPLES + 800, got.length);
  });

  test("a late timer catches up: as many frames as 20 ms periods went by", async () => {
    rig = await Rig.open();
    rig.clock.advance(1000);
    assert.equal(rig.frames.length, 50);
    rig.clock.advance(19);
    assert.equal(rig.frames.length, 50);
    rig.clock.advance(1);
    assert.equal(rig.frames.length, 51);
  });

  test("silence suppression: after a pause, a marker bit starts a new talkspurt one delay after it arrives", async () => {
    rig = await Rig.open();
    const a = stream(0, 20, 160 * 5);
    await sendStream(rig, a);
    rig.clock.advance(1000); // no packets: 50 frames of silence
    const resumeAtSample = rig.frames.length * 160;
    // The sender's clock ran 990 ms more than ours: the mapping must follow the marker, not the timestamp.
    const b = stream(0, 20, 160 * 5, {
      firstSeq: (a.firstSeq + 5) & 0xffff,
      firstTs: (a.firstTs + 800 + 8000 - 80) >>> 0,
      bytes: encode(testSignal(800, 9), 0),
    });
    await sendStream(rig, b);
    rig.clock.advance(200);
    const got = rig.samples();
    assertSamples(got, decoded(a), DELAY_SAMPLES);
    assertSilent(got, DELAY_SAMPLES + 800, resumeAtSample + DELAY_SAMPLES);
    assertSamples(got, decoded(b), resumeAtSample + DELAY_SAMPLES);
    assert.equal(rig.session.stats().late, 0);
  });

  test("comfort noise (PT 13) is heard as silence and is not dropped", async () => {
    rig = await Rig.open();
    const a = stream(0, 20, 160 * 3);
    await sendStream(rig, a);
    const cn = serializeRtp({
      payloadType: 13,
      sequence: (a.firstSeq + 3) & 0xffff,
      timestamp: (a.firstTs + 480) >>> 0,
      ssrc: a.ssrc,
      payload: Uint8Array.of(60),
    });
    await rig.deliver(cn);
    rig.clock.advance(500);
    const stats = rig.session.stats();
    assert.equal(stats.dropped, 0);
    assert.equal(stats.packetsReceived, 4);
    const got = rig.samples();
    assertSamples(got, decoded(a), DELAY_SAMPLES);
    assertSilent(got, DELAY_SAMPLES + 480, got.length);
  });

  test("the payload type need not match the plan: static PCMA is decoded on a PCMU call", async () => {
    rig = await Rig.open();
    const s = stream(8, 20, 160 * 5);
    await sendStream(rig, s);
    rig.clock.advance(200);
    assertSamples(rig.samples(), decoded(s), DELAY_SAMPLES);
  });
});

describe("RTP receive: bad input", () => {
  test("garbage, wrong version, truncated headers, absurd sizes and unknown payload types are dropped and counted", async () => {
    rig = await Rig.open();
    const s = stream(0, 20, 160 * 10);
    await sendStream(rig, s, [0, 1]);
    const bad = [
      Buffer.from("INVITE sip:nobody SIP/2.0\r\n\r\n"),
      Buffer.alloc(0),
      Buffer.from([0x80, 0x00, 0x01]),
      Buffer.from([0x40, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff]), // version 1
      Buffer.from([0x8f, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]), // 15 CSRCs announced, none there
      Buffer.from([0x90, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9]), // extension longer than the packet
      Buffer.from([0xa0, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 200]), // padding longer than the packet
      serializeRtp({
        payloadType: 0,
        sequence: 3,
        timestamp: 480,
        ssrc: s.ssrc,
        payload: new Uint8Array(1400),
      }),
      serializeRtp({ payloadType: 0, sequence: 3, timestamp: 480, ssrc: s.ssrc, payload: new Uint8Array(0) }),
      serializeRtp({
        payloadType: 97,
        sequence: 3,
        timestamp: 480,
        ssrc: s.ssrc,
        payload: new Uint8Array(160),
      }),
      serializeRtp({
        payloadType: 101,
        sequence: 3,
        timestamp: 480,
        ssrc: s.ssrc,
        payload: new Uint8Array(3),
      }),
    ];
    await rig.deliver(...bad);
    await sendStream(rig, {
      ...s,
      firstSeq: s.firstSeq + 2,
      firstTs: s.firstTs + 320,
      bytes: s.bytes.subarray(320),
    });
    rig.clock.advance(300);
    const stats = rig.session.stats();
    assert.equal(stats.dropped, bad.length);
    assert.equal(stats.packetsReceived, 10);
    assert.equal(stats.packetsLost, 0);
    assertSamples(rig.samples(), decoded(s), DELAY_SAMPLES);
    const drops = rig.lines.filter((l) => l.msg === "RTP packet dropped");
    assert.equal(drops.length, bad.length);
    assert.deepEqual([...new Set(drops.map((l) => l.reason))].sort(), [
      "malformed",
      "payload-type",
      "size",
      "version",
    ]);
  });

  test("after latching, packets from a third address are dropped; sending follows the latched source", async () => {
    rig = await Rig.open();
    const intruder = await Peer.open();
    try {
      const s = stream(0, 20, 160 * 5);
      await sendStream(rig, s, [0, 1]);
      const handled = rig.handledCount;
      await intruder.send(
        audioPacket({ ...s, ssrc: 99, bytes: encode(testSignal(800, 5), 0) }, 2),
        rig.session.localPort,
      );
      await rig.handledAtLeast(handled + 1);
      await sendStream(rig, {
        ...s,
        firstSeq: s.firstSeq + 2,
        firstTs: s.firstTs + 320,
        bytes: s.bytes.subarray(320),
      });
      rig.clock.advance(300);
      assert.equal(rig.session.stats().dropped, 1);
      assertSamples(rig.samples(), decoded(s), DELAY_SAMPLES);
      const drop = rig.lines.find((l) => l.msg === "RTP packet dropped");
      assert.equal(drop?.reason, "third-address");
    } finally {
      intruder.close();
    }
  });

  test("symmetric RTP: Belay sends to where the peer's packets come from, not to the SDP address", async () => {
    const real = await Peer.open();
    try {
      rig = await Rig.open({ remote: { address: "127.0.0.1", port: 9 } }); // the SDP says port 9
      const s = stream(0, 20, 160);
      await real.send(audioPacket(s, 0), rig.session.localPort);
      await rig.handledAtLeast(1);
      const done = rig.session.play(testSignal(160), new AbortController().signal);
      await done;
      await real.waitFor(1);
      assert.equal(real.received.length, 1);
      assert.equal(rig.peer.received.length, 0);
    } finally {
      real.close();
    }
  });

  test("RTCP on the RTP port is ignored: neither audio nor a drop", async () => {
    rig = await Rig.open();
    const receiverReport = Buffer.from([0x80, 201, 0, 1, 0x11, 0x22, 0x33, 0x44]);
    const senderReport = Buffer.alloc(28);
    senderReport[0] = 0x80;
    senderReport[1] = 200;
    senderReport.writeUInt16BE(6, 2);
    await rig.deliver(receiverReport, senderReport);
    rig.clock.advance(100);
    const stats = rig.session.stats();
    assert.equal(stats.dropped, 0);
    assert.equal(stats.packetsReceived, 0);
  });

  test("random bytes never throw out of the socket handler", async () => {
    rig = await Rig.open();
    let x = 42;
    const datagrams: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const length = i % 50;
      const data = Buffer.alloc(length);
      for (let j = 0; j < length; j++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        data[j] = x >> 16;
      }
      if (length > 0 && i % 2 === 0) data[0] = 0x80 | (data[0] as number & 0x3f); // version 2, so parsing goes deeper
      datagrams.push(data);
    }
    await rig.deliver(...datagrams);
    rig.clock.advance(1000);
    assert.equal(rig.frames.length, 50);
    const stats = rig.session.stats();
    assert.ok(
      stats.dropped + stats.packetsReceived <= datagrams.length,
      "stats.dropped + stats.packetsReceived <= datagrams.length",
    );
    assert.ok(stats.dropped > 200, "stats.dropped > 200");
  });

  test("the SDP's own address takes the latch back from a packet that raced in from elsewhere", async () => {
    const racer = await Peer.open();
    try {
      rig = await Rig.open(); // the plan names rig.peer's address
      const s = stream(0, 20, 160 * 5);
      await racer.send(audioPacket({ ...s, ssrc: 1 }, 0), rig.session.localPort);
      await rig.handledAtLeast(1);
      await sendStream(rig, s);
      const handled = rig.handledCount;
      await racer.send(audioPacket({ ...s, ssrc: 1 }, 5), rig.session.localPort);
      await rig.handledAtLeast(handled + 1);
      assert.equal(rig.session.stats().dropped, 1, "the racer is the third address now");
      await rig.session.play(testSignal(160), new AbortController().signal);
      await rig.peer.waitFor(1);
      assert.equal(racer.received.length, 0);
    } finally {
      racer.close();
    }
  });

  test("a re-INVITE that moves the peer's media latches afresh", async () => {
    const moved = await Peer.open();
    try {
      rig = await Rig.open();
      const s = stream(0, 20, 160 * 10);
      await sendStream(rig, s, [0, 1, 2]);
      rig.session.configure({ ...rig.plan, remote: { address: "127.0.0.1", port: moved.port } });
      for (let n = 3; n < 10; n++) {
        const handled = rig.handledCount;
        await moved.send(audioPacket(s, n), rig.session.localPort);
        await rig.handledAtLeast(handled + 1);
        rig.clock.advance(20);
      }
      rig.clock.advance(200);
      assert.equal(rig.session.stats().dropped, 0);
      assertSamples(rig.samples(), decoded(s), DELAY_SAMPLES);
    } finally {
      moved.close();
    }
  });

  test("a frame handler that throws is logged and the frames keep coming", async () => {
    const clock = new ManualClock();
    const logs = captureLogger();
    const session = await openRtpSession({ host: HOST, portRange: RANGE, clock, logger: logs.logger });
    try {
      session.configure(plan({ port: 9 }));
      const delivered: number[] = [];
      let calls = 0;
      session.start({
        frame: () => {
          calls++;
          if (calls === 2) throw new Error("engine bug");
          delivered.push(calls);
        },
        digit: () => {},
      });
      clock.advance(100);
      assert.deepEqual(delivered, [1, 3, 4, 5]);
      assert.ok(
        logs.lines.some((l) => l.msg === "frame handler threw"),
        'logs.lines.some((l) => l.msg === "frame handler threw")',
      );
    } finally {
      await session.close();
    }
  });
});

describe("RTP receive and send in real time", () => {
  test("one session plays to another on the real clock: the audio arrives whole, in 20 ms frames", async () => {
    const clock = new RealClock();
    const options = { host: HOST, portRange: RANGE, clock, logger: captureLogger().logger };
    // A generous playout delay: the test machine is shared, and this checks pacing, not jitter.
    const a = await openRtpSession({ ...options, jitterMs: 200 });
    const b = await openRtpSession({ ...options, jitterMs: 200 });
    try {
      const frames: Int16Array[] = [];
      a.configure(plan({ port: b.localPort }, { codec: "PCMA", payloadType: 8, ptimeMs: 30 }));
      b.configure(plan({ port: a.localPort }, { codec: "PCMA", payloadType: 8, ptimeMs: 30 }));
      b.start({ frame: (f) => frames.push(f), digit: () => {} });
      a.start({ frame: () => {}, digit: () => {} });
      const pcm = testSignal(8 * 600);
      const startedAt = clock.now();
      await a.play(pcm, new AbortController().signal);
      const elapsed = clock.now() - startedAt;
      assert.ok(elapsed >= 570 && elapsed < 900, `20 packets of 30 ms took ${elapsed} ms`);
      await clock.sleep(400);
      const got = new Int16Array(frames.length * 160);
      frames.forEach((f, i) => {
        got.set(f, i * 160);
      });
      const expected = decodeAlaw(encode(pcm, 8));
      const start = got.findIndex((x) => x !== 0);
      assert.ok(start >= 0, "audio arrived");
      // The first sample may itself decode to a small value: align on the first non-zero one.
      const offset = start - expected.findIndex((x) => x !== 0);
      assertSamples(got, expected, offset);
      assert.equal(b.stats().late, 0);
      assert.equal(a.stats().packetsSent, 20);
      assert.equal(b.stats().packetsReceived, 20);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("after the event loop was held up, packets that queued meanwhile are read before the frames catch up", async () => {
    const clock = new RealClock();
    let datagrams = 0;
    let onDatagram = () => {};
    const session = await openRtpSession({
      host: HOST,
      portRange: RANGE,
      clock,
      logger: captureLogger().logger,
      onDatagram: () => {
        datagrams++;
        onDatagram();
      },
    });
    const peer = await Peer.open();
    try {
      session.configure(plan(peer));
      const frames: Int16Array[] = [];
      let spins = 0;
      let onFrame = () => {};
      session.start({
        frame: (f) => {
          frames.push(f);
          onFrame();
        },
        digit: () => {},
      });
      // Let the tick settle into its rhythm, then start the stream just after a frame went up.
      await new Promise<void>((resolve) => {
        onFrame = () => frames.length >= 3 && resolve();
      });
      const s = stream(0, 20, 160 * 12);
      // Once packet 0 is in, eleven more go into the session's socket and the loop is then held
      // up for 250 ms outside the timers phase (as a busy request handler would): the next loop
      // turn runs the overdue frame tick before it reads the socket.
      await new Promise<void>((resolve) => {
        onDatagram = () => {
          onDatagram = () => {};
          setImmediate(() => {
            for (let n = 1; n < 12; n++) peer.socket.send(audioPacket(s, n), session.localPort, HOST);
            process.nextTick(() => {
              const until = performance.now() + 250;
              while (performance.now() < until) spins++;
              resolve();
            });
          });
        };
        peer.socket.send(audioPacket(s, 0), session.localPort, HOST);
      });
      // Until every packet's frame is out: the 3 before, the 3 of delay, the 12 packets.
      await new Promise<void>((resolve) => {
        onFrame = () => frames.length >= 20 && resolve();
      });
      assert.ok(spins > 0, "spins > 0");
      const stats = session.stats();
      assert.equal(stats.packetsReceived, 12);
      assert.equal(stats.late, 0);
      const got = new Int16Array(frames.length * 160);
      frames.forEach((f, i) => {
        got.set(f, i * 160);
      });
      const start = got.findIndex((x) => x !== 0);
      const expected = decoded(s);
      assertSamples(got, expected, start - expected.findIndex((x) => x !== 0));
      assert.equal(datagrams, 12);
    } finally {
      await session.close();
      peer.close();
    }
  });
});
