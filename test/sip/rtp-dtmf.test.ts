import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { emptyHeader, parseRtp, type RtpHeader } from "../../src/legs/sip/rtp/packet.js";
import { decodeUlaw } from "../../src/media/g711.js";
import { type AudioStream, audioPacket, encode, eventPacket, Rig, testSignal } from "./rtp-harness.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const KEYS = "0123456789*#";
const SSRC = 0x0e05384e;

/**
 * One RFC 4733 event as a well-behaved sender makes it: progress packets every 20 ms (the first
 * with the marker), then the end packet three times, the clock moving 20 ms between packets.
 */
async function press(r: Rig, key: string, timestamp: number, firstSeq: number, ssrc = SSRC): Promise<number> {
  const event = KEYS.indexOf(key);
  let seq = firstSeq;
  for (let i = 0; i < 5; i++) {
    await r.deliver(
      eventPacket({
        ssrc,
        sequence: seq++,
        timestamp,
        event,
        end: false,
        duration: (i + 1) * 160,
        marker: i === 0,
      }),
    );
    r.clock.advance(20);
  }
  for (let i = 0; i < 3; i++) {
    await r.deliver(eventPacket({ ssrc, sequence: seq++, timestamp, event, end: true, duration: 800 }));
  }
  return seq;
}

/** The packets of sipp's dtmf_2833_<key>.pcap as they are on the wire (seen with a pcap reader). */
async function sippPcap(r: Rig, key: "1" | "2"): Promise<void> {
  const { seq, ts } = key === "1" ? { seq: 7984, ts: 13280 } : { seq: 8042, ts: 23200 };
  const event = Number(key);
  for (let i = 0; i < 7; i++) {
    await r.deliver(
      eventPacket({
        ssrc: SSRC,
        sequence: seq + i,
        timestamp: ts,
        event,
        end: false,
        duration: i * 320,
        marker: i === 0,
      }),
    );
    r.clock.advance(20);
  }
  for (let i = 0; i < 3; i++) {
    await r.deliver(
      eventPacket({ ssrc: SSRC, sequence: seq + 7, timestamp: ts, event, end: true, duration: 2240 }),
    );
  }
}

function header(data: Buffer): RtpHeader {
  const h = emptyHeader();
  assert.equal(parseRtp(data, h), "ok");
  return h;
}

describe("RFC 4733 receive", () => {
  test("one event is one digit, whatever the repeats and the three end packets", async () => {
    rig = await Rig.open();
    await press(rig, "5", 1000, 1);
    rig.clock.advance(200);
    assert.deepEqual(rig.digits, ["5"]);
    assert.equal(rig.session.stats().dropped, 0);
  });

  test('"123#" from four events, and "11" from two events with their own timestamps', async () => {
    rig = await Rig.open();
    let seq = 100;
    let ts = 8000;
    for (const key of "123#11") {
      seq = await press(rig, key, ts, seq);
      rig.clock.advance(100);
      ts += 8 * 300;
    }
    rig.clock.advance(200);
    assert.deepEqual(rig.digits.join(""), "123#11");
  });

  test("end packets repeated late, or a straggling progress packet just after the end, add no press", async () => {
    rig = await Rig.open();
    const seq = await press(rig, "9", 5000, 1);
    rig.clock.advance(30);
    await rig.deliver(
      eventPacket({ ssrc: SSRC, sequence: seq, timestamp: 5000, event: 9, end: false, duration: 640 }),
    );
    rig.clock.advance(500);
    await rig.deliver(
      eventPacket({ ssrc: SSRC, sequence: seq + 1, timestamp: 5000, event: 9, end: true, duration: 800 }),
    );
    rig.clock.advance(200);
    assert.deepEqual(rig.digits, ["9"]);
  });

  test("an event whose first packets were lost is still one digit", async () => {
    rig = await Rig.open();
    await rig.deliver(
      eventPacket({ ssrc: SSRC, sequence: 7, timestamp: 4000, event: 11, end: true, duration: 800 }),
    );
    await rig.deliver(
      eventPacket({ ssrc: SSRC, sequence: 8, timestamp: 4000, event: 11, end: true, duration: 800 }),
    );
    rig.clock.advance(200);
    assert.deepEqual(rig.digits, ["#"]);
  });

  test("sipp's pcaps: '1','2' then '1' again with sequence numbers jumping back are three digits", async () => {
    rig = await Rig.open();
    for (const key of ["1", "2", "1"] as const) {
      await sippPcap(rig, key);
      rig.clock.advance(160); // the scenario's 300 ms between replays, less the pcap's 140 ms
    }
    rig.clock.advance(200);
    assert.deepEqual(rig.digits.join(""), "121");
  });

  test("sipp's pcap quirk: '111' is the same packets thrice, each replay after the last one's end: three digits", async () => {
    // Same SSRC, timestamp and sequence numbers each time; only the repeat of a start after the
    // event ended tells a replay from a retransmission.
    rig = await Rig.open();
    for (let i = 0; i < 3; i++) {
      await sippPcap(rig, "1");
      rig.clock.advance(160);
    }
    rig.clock.advance(200);
    assert.deepEqual(rig.digits.join(""), "111");
  });

  test("a digit sharing the audio's SSRC (baresip) comes just before the frame its timestamp falls in", async () => {
    rig = await Rig.open();
    const s: AudioStream = {
      ssrc: 42,
      firstSeq: 1,
      firstTs: 1000,
      payloadType: 0,
      samplesPerPacket: 160,
      bytes: encode(testSignal(3200), 0),
    };
    for (let n = 0; n < 20; n++) {
      // After the event packet, audio sequence numbers run on past it, as one stream's do.
      await rig.deliver(audioPacket(s, n, n > 10 ? { sequence: s.firstSeq + n + 1 } : {}));
      if (n === 10) {
        // Event starts at packet 10's timestamp, on the audio's SSRC and sequence.
        await rig.deliver(
          eventPacket({
            ssrc: 42,
            sequence: s.firstSeq + 11,
            timestamp: 1000 + 1600,
            event: 7,
            end: false,
            duration: 160,
            marker: true,
          }),
        );
        // At once, not a playout delay later: the 3 frames of audio buffered before it go up first.
        assert.deepEqual(rig.order.slice(-4), ["f", "f", "f", "7"]);
      }
      rig.clock.advance(20);
    }
    rig.clock.advance(200);
    assert.deepEqual(rig.digits, ["7"]);
    // 60 ms of delay (3 frames) and packets 0-9 (10 frames) come before it.
    assert.equal(rig.order.indexOf("7"), 13);
    // Going up early moved no audio: every packet is heard once, in order, on the delay's mapping.
    const heard = rig.frames.slice(3, 23).flatMap((f) => [...f]);
    assert.deepEqual(heard, [...decodeUlaw(s.bytes)]);
    assert.equal(rig.session.stats().late, 0, "the packets after the key are still within the delay");
    assert.equal(rig.session.stats().packetsLost, 0, "the event's sequence number is not a gap");
    assert.equal(rig.session.stats().packetsReceived, 21);
  });

  test("a digit on its own SSRC (sipp) comes after all the audio received before it", async () => {
    rig = await Rig.open();
    const s: AudioStream = {
      ssrc: 42,
      firstSeq: 1,
      firstTs: 1000,
      payloadType: 0,
      samplesPerPacket: 160,
      bytes: encode(testSignal(1600), 0),
    };
    for (let n = 0; n < 10; n++) {
      await rig.deliver(audioPacket(s, n));
      rig.clock.advance(20);
    }
    // sipp's audio ends and its DTMF follows at once: the buffered audio must not be cut off.
    await rig.deliver(
      eventPacket({
        ssrc: SSRC,
        sequence: 5,
        timestamp: 99,
        event: 1,
        end: false,
        duration: 0,
        marker: true,
      }),
    );
    assert.equal(rig.order.indexOf("1"), 13, "at once, after the 3 frames still buffered");
    rig.clock.advance(300);
    assert.equal(rig.order.indexOf("1"), 13);
    const heard = rig.frames.slice(0, 13).flatMap((f) => [...f]);
    assert.ok(
      heard.slice(480).some((x) => x !== 0),
      "heard.slice(480).some((x) => x !== 0)",
    );
  });

  test("events are packets of the plan's telephone-event type only; non-key events are ignored", async () => {
    rig = await Rig.open({ telephoneEventPt: 96 });
    await rig.deliver(
      eventPacket({
        ssrc: SSRC,
        sequence: 1,
        timestamp: 10,
        event: 1,
        end: false,
        duration: 160,
        payloadType: 101,
      }),
    );
    await rig.deliver(
      eventPacket({
        ssrc: SSRC,
        sequence: 2,
        timestamp: 20,
        event: 16,
        end: false,
        duration: 160,
        payloadType: 96,
      }),
    );
    await rig.deliver(
      eventPacket({
        ssrc: SSRC,
        sequence: 3,
        timestamp: 30,
        event: 2,
        end: false,
        duration: 160,
        payloadType: 96,
      }),
    );
    rig.clock.advance(100);
    assert.deepEqual(rig.digits, ["2"]);
    assert.equal(rig.session.stats().dropped, 1);
  });
});

describe("RFC 4733 send", () => {
  test('"1#": per digit five packets 20 ms apart, then the end three times; marker, timestamp, durations, volume', async () => {
    rig = await Rig.open({ telephoneEventPt: 101 });
    let settled = false;
    const done = rig.session.sendDigits("1#", 150, new AbortController().signal).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    const sentAt: number[] = [];
    for (let t = 0; t <= 500; t += 10) {
      const before = rig.session.stats().packetsSent;
      if (t > 0) rig.clock.advance(10);
      await new Promise((resolve) => setImmediate(resolve));
      for (let i = before; i < rig.session.stats().packetsSent; i++) sentAt.push(t);
      if (t === 0) for (let i = 0; i < rig.session.stats().packetsSent; i++) sentAt.push(0);
    }
    await done;
    assert.ok(settled, "settled");
    await rig.peer.waitFor(16);
    const packets = rig.peer.received.map((d) => ({ h: header(d), p: d.subarray(12) }));
    assert.equal(packets.length, 16);
    assert.deepEqual(sentAt, [0, 20, 40, 60, 80, 100, 100, 100, 250, 270, 290, 310, 330, 350, 350, 350]);
    const first = packets[0]?.h as RtpHeader;
    packets.forEach(({ h, p }, i) => {
      const digit = Math.floor(i / 8);
      const within = i % 8;
      assert.equal(h.payloadType, 101);
      assert.equal(h.ssrc, first.ssrc);
      assert.equal(h.sequence, (first.sequence + i) & 0xffff, "sequence numbers run on through every packet");
      assert.equal(
        h.timestamp,
        (first.timestamp + digit * 250 * 8) >>> 0,
        "one timestamp per event: its start",
      );
      assert.equal(h.marker, within === 0);
      assert.equal(p.length, 4);
      assert.equal(p[0], digit === 0 ? 1 : 11);
      assert.equal((p[1] as number) & 0x80, within >= 5 ? 0x80 : 0, "E bit on the three end packets");
      assert.equal((p[1] as number) & 0x3f, 10, "volume 10");
      assert.equal(p.readUInt16BE(2), within >= 5 ? 800 : (within + 1) * 160);
    });
  });

  test("the promise lasts digits × (100 ms + pause), like a virtual leg's", async () => {
    rig = await Rig.open();
    let settled = false;
    const done = rig.session.sendDigits("123", 100, new AbortController().signal).then(() => {
      settled = true;
    });
    rig.clock.advance(599);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    rig.clock.advance(1);
    await done;
  });

  test("audio after digits starts a new talkspurt: marker set, timestamp past the events", async () => {
    rig = await Rig.open();
    const digits = rig.session.sendDigits("5", 100, new AbortController().signal);
    const audio = rig.session.play(testSignal(320), new AbortController().signal);
    for (let i = 0; i < 30; i++) rig.clock.advance(10);
    await Promise.all([digits, audio]);
    await rig.peer.waitFor(10);
    const hs = rig.peer.received.map(header);
    assert.equal(hs.length, 10);
    const eventHeader = hs[0] as RtpHeader;
    const audio1 = hs[8] as RtpHeader;
    const audio2 = hs[9] as RtpHeader;
    assert.equal(audio1.payloadType, 0);
    assert.equal(audio1.marker, true);
    assert.equal(audio1.timestamp, (eventHeader.timestamp + 200 * 8) >>> 0);
    assert.equal(audio2.marker, false);
  });

  test("without telephone-event in the plan, digits are not sent, with a log line", async () => {
    rig = await Rig.open({ telephoneEventPt: undefined });
    await rig.session.sendDigits("12", 100, new AbortController().signal);
    assert.equal(rig.session.stats().packetsSent, 0);
    assert.ok(
      rig.lines.some((l) => /telephone-event/.test(l.msg)),
      "rig.lines.some((l) => /telephone-event/.test(l.msg))",
    );
  });

  test("abort stops the digits at once", async () => {
    rig = await Rig.open();
    const controller = new AbortController();
    const done = rig.session.sendDigits("123456", 100, controller.signal);
    rig.clock.advance(250);
    const sent = rig.session.stats().packetsSent;
    controller.abort();
    await done;
    rig.clock.advance(2000);
    assert.equal(rig.session.stats().packetsSent, sent);
    assert.ok(sent > 0 && sent < 48, "sent > 0 && sent < 48");
  });
});
