import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { emptyHeader, parseRtp, type RtpHeader } from "../../src/legs/sip/rtp/packet.js";
import { encodeAlaw, encodeUlaw } from "../../src/media/g711.js";
import { Rig, testSignal } from "./rtp-harness.js";

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
});
