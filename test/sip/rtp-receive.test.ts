import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { serializeRtp } from "../../src/legs/sip/rtp/packet.js";
import { decodeAlaw, decodeUlaw } from "../../src/media/g711.js";
import { type AudioStream, audioPacket, encode, Peer, packetCount, Rig, testSignal } from "./rtp-harness.js";

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
});
