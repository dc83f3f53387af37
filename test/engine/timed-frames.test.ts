import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Mixer, SEAT_DELAY_MS } from "../../src/engine/conference/mixer.js";
import { TimedFrames } from "../../src/engine/conference/timed-frames.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import { SimulatedClock } from "../../src/time/clock.js";

/** A frame whose every sample is `value`: which frame came through is then plain to see. */
function marked(value: number): Int16Array {
  return new Int16Array(FRAME_SAMPLES).fill(value);
}

describe("TimedFrames", () => {
  test("a frame waits for its slot, a late one is dropped, a missing one leaves the slot empty", () => {
    const frames = new TimedFrames();
    frames.push(marked(1), 1020);
    frames.push(marked(2), 1040);
    frames.push(marked(3), 1060);
    assert.equal(frames.take(1010), undefined, "nothing is due by 1010: frame 1 is early");
    assert.equal(frames.take(1025)?.[0], 1, "the slot (1005, 1025] is frame 1's");
    // The slot (1045, 1065] is frame 3's: frame 2 (due 1040) missed its slot and is dropped.
    assert.equal(frames.take(1065)?.[0], 3);
    assert.equal(frames.dropped, 1);
    assert.equal(frames.take(1085), undefined, "no frame came for this slot");
    assert.equal(frames.next(1105)[0], 0, "as a stream source, an empty slot is silence");
  });

  test("beyond its capacity the oldest frame goes; without a due time it is a plain FIFO", () => {
    const frames = new TimedFrames(2);
    frames.push(marked(1), 20);
    frames.push(marked(2), 40);
    frames.push(marked(3), 60);
    assert.equal(frames.dropped, 1);
    assert.deepEqual([frames.next()[0], frames.next()[0], frames.next()[0]], [2, 3, 0]);
  });
});

/**
 * A leg that hands frames up early by a varying amount (as RTP does once a frame's audio is all
 * there, up to its playout delay ahead), a mixer ticking in another phase, and a listener pulling
 * its mix three frames at a time in yet another (a 60 ms packet time): every frame the talker sent
 * reaches the listener once, in order, without a gap. Four-frame FIFOs slipped here every few
 * frames, as a baresip party heard in test/interop/conference-sip.interop.ts.
 */
test("a conference mixes a jittery leg's frames into a listener's stream without a slip", async () => {
  const clock = new SimulatedClock(1_000_000);
  const mixer = new Mixer(clock);
  const talker = mixer.seat();
  const listener = mixer.seat();
  listener.talk = false;
  talker.listen = false;
  mixer.setBridged(true);
  mixer.start();

  const FRAMES = 400;
  const legStart = clock.now() + 7; // the leg's 20 ms grid, 7 ms off the mixer's
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  // Handed up 0-80 ms before it is due, in order (a leg never reorders its frames).
  let handedUpAt = 0;
  for (let k = 0; k < FRAMES; k++) {
    const due = legStart + (k + 1) * FRAME_MS;
    handedUpAt = Math.max(handedUpAt, due - Math.floor(random() * 81));
    clock.setTimeout(() => talker.input.push(marked(k + 1), due), handedUpAt - clock.now());
  }

  const PTIME = 60;
  const senderStart = legStart + 100 + 13;
  const heard: number[] = [];
  await new Promise<void>((resolve) => {
    let packet = 0;
    const sendSlot = () => {
      const slotAt = senderStart + packet * PTIME;
      // As RtpSender's stream asks: the frames playing from the slot on, each by its play time less the lead.
      for (let f = 0; f < PTIME / FRAME_MS; f++) {
        const playsAt = slotAt + f * FRAME_MS;
        heard.push(listener.output.next(playsAt - PTIME)[0] as number);
      }
      packet++;
      if (slotAt > legStart + (FRAMES + 20) * FRAME_MS) {
        mixer.stop();
        resolve();
      } else clock.setTimeout(sendSlot, senderStart + packet * PTIME - clock.now());
    };
    clock.setTimeout(sendSlot, senderStart - clock.now());
  });

  const first = heard.findIndex((v) => v !== 0);
  const last = heard.findLastIndex((v) => v !== 0);
  const run = heard.slice(first, last + 1);
  assert.deepEqual(
    run,
    Array.from({ length: FRAMES - (run[0] as number) + 1 }, (_, i) => (run[0] as number) + i),
    "every frame from the first heard on, once and in order",
  );
  assert.ok((run[0] as number) <= 6, `the listener hears from frame ${run[0]} on`);
  assert.equal(talker.input.dropped, 0, "no frame of the talker's was dropped on its way in");
  assert.equal(run.at(-1), FRAMES, "the last frame was heard");
  // Mouth to ear through the mixer: heard[i] plays at senderStart + 20i; frame v starts at legStart + 20(v − 1).
  const latency = senderStart + first * FRAME_MS - (legStart + ((run[0] as number) - 1) * FRAME_MS);
  assert.ok(latency <= SEAT_DELAY_MS + PTIME + 2 * FRAME_MS, `latency ${latency} ms`);
});
