import assert from "node:assert/strict";
import dgram from "node:dgram";
import { afterEach, describe, test } from "node:test";
import { emptyHeader, parseRtp, type RtpHeader, serializeRtp } from "../../src/legs/sip/rtp/packet.js";
import { openRtpSession } from "../../src/legs/sip/rtp/session.js";
import { encodeAlaw, encodeUlaw } from "../../src/media/g711.js";
import { captureLogger, HOST, ManualClock, RANGE, Rig, testSignal } from "./rtp-harness.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function parsed(data: Buffer): RtpHeader {
  const h = emptyHeader();
  assert.equal(parseRtp(data, h), "ok");
  return h;
}

function payloadOf(data: Buffer): Buffer {
  const h = parsed(data);
  return data.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
}

/** Steps the clock in `stepMs` until `done` settles, returning how many steps it took. */
async function runUntil(r: Rig, done: Promise<void>, stepMs: number, maxSteps = 1000): Promise<number> {
  let settled = false;
  done.then(() => {
    settled = true;
  });
  for (let step = 0; step < maxSteps; step++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (settled) return step;
    r.clock.advance(stepMs);
  }
  assert.fail("did not finish");
}

describe("RTP send", () => {
  test("play sends PCMU at 20 ms: contiguous sequence and timestamps, exact payloads, marker on the first", async () => {
    rig = await Rig.open();
    const pcm = testSignal(8000);
    const done = rig.session.play(pcm, new AbortController().signal);
    await runUntil(rig, done, 20);
    assert.equal(rig.session.stats().packetsSent, 50);
    await rig.peer.waitFor(50);
    const packets = rig.peer.received;
    assert.equal(packets.length, 50);
    const expected = encodeUlaw(pcm);
    const first = parsed(packets[0] as Buffer);
    packets.forEach((data, n) => {
      const h = parsed(data);
      assert.equal(h.payloadType, 0);
      assert.equal(h.ssrc, first.ssrc);
      assert.equal(h.sequence, (first.sequence + n) & 0xffff);
      assert.equal(h.timestamp, (first.timestamp + n * 160) >>> 0);
      assert.equal(h.marker, n === 0);
      assert.deepEqual(payloadOf(data), Buffer.from(expected.subarray(n * 160, (n + 1) * 160)));
    });
  });

  test("PCMA at 30 ms: 240-sample packets, 30 ms apart on the clock", async () => {
    rig = await Rig.open({ codec: "PCMA", payloadType: 8, ptimeMs: 30 });
    const pcm = testSignal(2400);
    const done = rig.session.play(pcm, new AbortController().signal);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rig.session.stats().packetsSent, 1, "the first packet goes at once");
    rig.clock.advance(29);
    assert.equal(rig.session.stats().packetsSent, 1);
    rig.clock.advance(1);
    assert.equal(rig.session.stats().packetsSent, 2);
    await runUntil(rig, done, 30);
    await rig.peer.waitFor(10);
    const expected = encodeAlaw(pcm);
    rig.peer.received.forEach((data, n) => {
      assert.equal(parsed(data).payloadType, 8);
      assert.deepEqual(payloadOf(data), Buffer.from(expected.subarray(n * 240, (n + 1) * 240)));
    });
  });

  test("the schedule is monotonic: a late timer catches up and timestamps stay on the grid", async () => {
    rig = await Rig.open();
    const done = rig.session.play(testSignal(1600), new AbortController().signal);
    await new Promise((resolve) => setImmediate(resolve));
    rig.clock.advance(55); // packets due at 20 and 40 go now; 60 is not due yet
    assert.equal(rig.session.stats().packetsSent, 3);
    rig.clock.advance(5);
    assert.equal(rig.session.stats().packetsSent, 4, "packet 3 at 60 ms, not at 55 + 20");
    await runUntil(rig, done, 20);
    await rig.peer.waitFor(10);
    const first = parsed(rig.peer.received[0] as Buffer);
    rig.peer.received.forEach((data, n) => {
      assert.equal(parsed(data).timestamp, (first.timestamp + n * 160) >>> 0);
    });
  });

  test("back-to-back plays continue one talkspurt; after a pause the next has a marker and a timestamp gap", async () => {
    rig = await Rig.open();
    const signal = new AbortController().signal;
    const a = rig.session.play(testSignal(320), signal);
    const b = rig.session.play(testSignal(320, 2), signal);
    await runUntil(
      rig,
      Promise.all([a, b]).then(() => undefined),
      20,
    );
    rig.clock.advance(1000);
    const c = rig.session.play(testSignal(160, 3), signal);
    await runUntil(rig, c, 20);
    await rig.peer.waitFor(5);
    const hs = rig.peer.received.map(parsed);
    assert.deepEqual(
      hs.map((h) => h.marker),
      [true, false, false, false, true],
    );
    const t0 = (hs[0] as RtpHeader).timestamp;
    assert.deepEqual(
      hs.slice(0, 4).map((h) => (h.timestamp - t0) >>> 0),
      [0, 160, 320, 480],
    );
    assert.ok(((hs[4] as RtpHeader).timestamp - t0) >>> 0 >= 480 + 8000, "the pause shows in the timestamps");
    hs.forEach((h, n) => {
      assert.equal(h.sequence, ((hs[0] as RtpHeader).sequence + n) & 0xffff);
    });
  });

  test("a short last packet is padded with encoded silence to a whole packet", async () => {
    rig = await Rig.open();
    const pcm = testSignal(200);
    await runUntil(rig, rig.session.play(pcm, new AbortController().signal), 20);
    await rig.peer.waitFor(2);
    const second = payloadOf(rig.peer.received[1] as Buffer);
    assert.equal(second.length, 160);
    assert.deepEqual(second.subarray(0, 40), Buffer.from(encodeUlaw(pcm.subarray(160))));
    assert.ok(
      second.subarray(40).every((b) => b === 0xff),
      "µ-law silence is 0xFF",
    );
  });

  test("abort resolves play at once and stops the packets", async () => {
    rig = await Rig.open();
    const controller = new AbortController();
    const done = rig.session.play(testSignal(8000), controller.signal);
    await new Promise((resolve) => setImmediate(resolve));
    rig.clock.advance(100);
    controller.abort();
    await done;
    rig.clock.advance(2000);
    assert.equal(rig.session.stats().packetsSent, 6);
  });

  test("close resolves a play in progress and one queued behind it", async () => {
    rig = await Rig.open();
    const signal = new AbortController().signal;
    const a = rig.session.play(testSignal(8000), signal);
    const b = rig.session.play(testSignal(8000), signal);
    await rig.session.close();
    await Promise.all([a, b]);
    await rig.session.play(testSignal(160), signal);
    assert.equal(rig.session.stats().packetsSent, 1);
  });

  test("on hold (inactive) nothing is sent, but play still takes its time", async () => {
    rig = await Rig.open({ direction: "inactive" });
    let settled = false;
    const done = rig.session.play(testSignal(800), new AbortController().signal).then(() => {
      settled = true;
    });
    rig.clock.advance(60);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    rig.clock.advance(20);
    await done;
    assert.equal(rig.peer.received.length, 0);
    assert.equal(rig.session.stats().packetsSent, 0);
  });

  test("a host name or 0.0.0.0 in the SDP is not sent to; the peer's first packet gives the address", async () => {
    for (const remote of [
      { address: "phone.example.com", port: 4000 },
      { address: "0.0.0.0", port: 4000 },
      { address: "::1", port: 4000 },
      { address: "127.0.0.1", port: 0 },
    ]) {
      const r = await Rig.open({ remote });
      try {
        await runUntil(r, r.session.play(testSignal(320), new AbortController().signal), 20);
        assert.equal(r.session.stats().packetsSent, 0, remote.address);
        await r.deliver(
          serializeRtp({ payloadType: 0, sequence: 1, timestamp: 1, ssrc: 1, payload: new Uint8Array(160) }),
        );
        await runUntil(r, r.session.play(testSignal(160), new AbortController().signal), 20);
        await r.peer.waitFor(1);
        assert.equal(r.session.stats().packetsSent, 1);
      } finally {
        await r.close();
      }
    }
  });

  test("recvonly (the peer put Belay on hold with sendonly) sends nothing either", async () => {
    rig = await Rig.open({ direction: "recvonly" });
    await runUntil(rig, rig.session.play(testSignal(480), new AbortController().signal), 20);
    assert.equal(rig.peer.received.length, 0);
  });

  test("a re-INVITE changing the packet time mid-play neither skips nor repeats audio", async () => {
    rig = await Rig.open();
    const pcm = testSignal(1600);
    const done = rig.session.play(pcm, new AbortController().signal);
    await new Promise((resolve) => setImmediate(resolve));
    rig.clock.advance(40);
    rig.session.configure({ ...rig.plan, ptimeMs: 30 });
    await runUntil(rig, done, 10);
    await rig.peer.waitFor(10);
    const payload = Buffer.concat(rig.peer.received.map(payloadOf));
    assert.deepEqual(payload, Buffer.from(encodeUlaw(pcm)));
    // The next play takes the new packet time.
    await runUntil(rig, rig.session.play(testSignal(480), new AbortController().signal), 10);
    await rig.peer.waitFor(12);
    assert.equal(payloadOf(rig.peer.received[10] as Buffer).length, 240);
  });

  test("play before configure is a typed error", async () => {
    const session = await openRtpSession({
      host: HOST,
      portRange: RANGE,
      clock: new ManualClock(),
      logger: captureLogger().logger,
    });
    try {
      await assert.rejects(session.play(testSignal(160), new AbortController().signal), {
        code: "RTP_NOT_CONFIGURED",
      });
    } finally {
      await session.close();
    }
  });
});

describe("RTP ports", () => {
  test("each session gets an even port in the range, with its RTCP port (+1) bound too", async () => {
    const sessions = await Promise.all(
      [1, 2, 3].map(() =>
        openRtpSession({
          host: HOST,
          portRange: { min: 41001, max: 41100 },
          clock: new ManualClock(),
          logger: captureLogger().logger,
        }),
      ),
    );
    try {
      const ports = sessions.map((s) => s.localPort);
      assert.equal(new Set(ports).size, 3);
      for (const port of ports) {
        assert.equal(port % 2, 0);
        assert.ok(port >= 41002 && port <= 41099, "port >= 41002 && port <= 41099");
        // The RTCP port is taken: binding it again fails.
        const probe = dgram.createSocket("udp4");
        const error = await new Promise<unknown>((resolve) => {
          probe.once("error", resolve);
          probe.bind(port + 1, HOST, () => resolve(undefined));
        });
        probe.close();
        assert.ok(error, `port ${port + 1} should be in use`);
      }
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  });

  test("a full range is a typed error, and a closed session's port is usable again", async () => {
    const range = { min: 41200, max: 41203 };
    const options = {
      host: HOST,
      portRange: range,
      clock: new ManualClock(),
      logger: captureLogger().logger,
    };
    const a = await openRtpSession(options);
    const b = await openRtpSession(options);
    await assert.rejects(openRtpSession(options), { code: "RTP_PORTS_EXHAUSTED" });
    await a.close();
    const c = await openRtpSession(options);
    assert.equal(c.localPort, a.localPort);
    await Promise.all([b.close(), c.close()]);
  });

  test("a range without an even port pair is a typed error", async () => {
    const options = {
      host: HOST,
      portRange: { min: 41301, max: 41302 },
      clock: new ManualClock(),
      logger: captureLogger().logger,
    };
    await assert.rejects(openRtpSession(options), { code: "RTP_PORT_RANGE_INVALID" });
  });
});
