import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { TimedFrames } from "../../src/engine/conference/timed-frames.js";
import type { MediaWorkers } from "../../src/legs/sip/rtp/worker/media-workers.js";
import type { WorkerRtpMedia } from "../../src/legs/sip/rtp/worker/worker-rtp-media.js";
import type { Frame } from "../../src/media/frame.js";
import { decodeUlaw } from "../../src/media/g711.js";
import { RealClock, type Timer } from "../../src/time/clock.js";
import type { LogCapture } from "./log-capture.js";
import { EXIT_DIGITS } from "./media-worker-exit.js";
import {
  bindBoth,
  callerUlaw,
  FIRST_SEQ,
  FIRST_TS,
  keyPacket,
  paced,
  payloads,
  startWorkers,
  ulawPacket,
  WorkerRig,
} from "./media-workers-harness.js";

/**
 * RTP sessions in media worker threads, driven through MediaWorkers and WorkerRtpMedia over real
 * UDP on 127.0.0.1 on the real clock: what crosses between the threads arrives whole, in order,
 * and a worker that dies takes its calls down cleanly instead of leaving them hanging.
 */

let workers: MediaWorkers | undefined;
let rigs: WorkerRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.map((rig) => rig.close()));
  rigs = [];
  await workers?.close();
  workers = undefined;
});

async function setUp(
  count = 1,
  options: { jitterMs?: number; imports?: string[] } = {},
): Promise<{ rig: WorkerRig; log: LogCapture }> {
  const started = startWorkers(count, options);
  workers = started.workers;
  const rig = await openRig(started.log);
  return { rig, log: started.log };
}

async function openRig(log: LogCapture, bindings: Record<string, string> = {}): Promise<WorkerRig> {
  const rig = await WorkerRig.open(workers as MediaWorkers, log.logger.child(bindings));
  rigs.push(rig);
  return rig;
}

const SILENT_FRAME = -1;

/** Each 160-byte PCMU frame sent: its index in `ulaw`, SILENT_FRAME, or undefined when neither. */
function sentFrames(sent: Uint8Array, ulaw: Uint8Array): Array<number | undefined> {
  const index = new Map<string, number>();
  for (let i = 0; i * 160 < ulaw.length; i++)
    index.set(Buffer.from(ulaw.subarray(i * 160, i * 160 + 160)).toString("hex"), i);
  const frames: Array<number | undefined> = [];
  for (let at = 0; at + 160 <= sent.length; at += 160) {
    const frame = sent.subarray(at, at + 160);
    frames.push(
      frame.every((b) => b === 0xff) ? SILENT_FRAME : index.get(Buffer.from(frame).toString("hex")),
    );
  }
  return frames;
}

function workerOf(rig: WorkerRig): number {
  return (rig.media as WorkerRtpMedia).worker.index;
}

describe("media workers: receiving", () => {
  test("frames come up sample for sample, in order, 160 samples each, due 20 ms apart", async () => {
    const { rig } = await setUp();
    const ulaw = callerUlaw(25);
    await paced(25, (n) => rig.send(ulawPacket(ulaw, n)));
    await rig.audioFrames(25);
    const heard = rig.heard();
    assert.deepEqual(heard.subarray(0, ulaw.length), decodeUlaw(ulaw));
    for (const frame of rig.frames) assert.equal(frame.length, 160);
    for (let i = 1; i < rig.dueAt.length; i++)
      assert.equal((rig.dueAt[i] as number) - (rig.dueAt[i - 1] as number), 20, `frame ${i}`);
    // dueAt is on the worker's clock; it must read the same time as this thread's.
    for (const [i, dueAt] of rig.dueAt.entries())
      assert.ok(Math.abs((rig.arrivedAt[i] as number) - dueAt) < 500, `frame ${i} due ${dueAt}`);
  });

  test("a key sent between audio packets comes after the frames before it and before those after", async () => {
    const { rig } = await setUp();
    const ulaw = callerUlaw(20);
    const keyAt = FIRST_TS + 10 * 160;
    await paced(20, async (n) => {
      if (n === 10) {
        // On the audio's SSRC and sequence: start, then the end packet three times.
        await rig.send(keyPacket(5, keyAt, FIRST_SEQ + 10, false));
        for (let i = 1; i <= 3; i++) await rig.send(keyPacket(5, keyAt, FIRST_SEQ + 10 + i, true));
      }
      await rig.send(ulawPacket(ulaw, n, n >= 10 ? 4 : 0));
    });
    await rig.audioFrames(20);
    assert.deepEqual(rig.digits, ["5"]);
    const keyIndex = rig.order.indexOf("5");
    assert.equal(rig.order.slice(0, keyIndex).filter((o) => o === "a").length, 10);
    assert.equal(rig.order.slice(keyIndex + 1).filter((o) => o === "a").length, 10);
    assert.deepEqual(rig.heard().subarray(0, ulaw.length), decodeUlaw(ulaw));
  });

  test("drain() delivers what the playout buffer holds before it resolves", async () => {
    // A long playout delay: the last frame would otherwise wait 200 ms for its deadline.
    const { rig } = await setUp(1, { jitterMs: 200 });
    const ulaw = callerUlaw(10);
    for (let n = 0; n < 10; n++) await rig.send(ulawPacket(ulaw, n));
    // The newest whole frame is held back from early delivery; the other nine go up at once.
    await rig.audioFrames(9);
    await rig.media.drain();
    const drainedAt = Date.now();
    assert.equal(rig.order.filter((o) => o === "a").length, 10, "the held-back frame came with the drain");
    assert.deepEqual(rig.heard().subarray(0, ulaw.length), decodeUlaw(ulaw));
    const lastDue = rig.dueAt[rig.dueAt.length - 1] as number;
    assert.ok(drainedAt < lastDue, `drained at ${drainedAt}, before the last frame's deadline ${lastDue}`);
  });

  test("a session's log line reaches the call's logger with the call's bindings", async () => {
    const started = startWorkers(1);
    workers = started.workers;
    const rig = await openRig(started.log, { callId: "CAworkerlog" });
    await rig.send(Buffer.from([1, 2, 3]));
    const line = await started.log.line(
      (l) => l.msg === "RTP packet dropped" && l.callId === "CAworkerlog",
      5000,
      "the drop logged with the call's callId",
    );
    assert.equal(line.level, 20);
    assert.equal(line.reason, "malformed");
    assert.equal(line.component, "rtp");
    assert.equal(line.port, rig.peer.port, "the sender's port, as the worker logged it");
  });
});

describe("media workers: sending", () => {
  test("play() sends the PCM as PCMU packets, and abort ends it early", async () => {
    const { rig } = await setUp();
    const ulaw = callerUlaw(10, 99);
    await rig.media.play(decodeUlaw(ulaw), new AbortController().signal);
    await rig.peer.waitFor(10);
    assert.deepEqual(payloads(rig.peer.received), Buffer.from(ulaw));

    const long = decodeUlaw(callerUlaw(250, 7)); // 5 s
    const abort = new AbortController();
    const playing = rig.media.play(long, abort.signal);
    await rig.peer.waitFor(13);
    abort.abort();
    await playing;
    const stats = await rig.media.close();
    assert.ok(stats.packetsSent < 10 + 30, `stopped early: ${stats.packetsSent} packets sent in all`);
  });

  test("stream() sends the source's frames in order, none repeated, one lost only where a slot went silent", async () => {
    const { rig } = await setUp();
    const ulaw = callerUlaw(200, 3);
    const pcm = decodeUlaw(ulaw);
    let pulled = 0;
    const source = {
      next: (): Frame => {
        const frame = pcm.subarray(pulled * 160, pulled * 160 + 160);
        pulled++;
        return frame;
      },
    };
    const abort = new AbortController();
    const streaming = rig.media.stream(source, abort.signal);
    await rig.peer.waitFor(40);
    abort.abort();
    await streaming;
    // Each sent frame is either silence (priming, or a slot whose frame the main thread pulled too
    // late: the stream is paced by the worker's clock) or a source frame.
    const sent = sentFrames(payloads(rig.peer.received), ulaw);
    let previous = -1;
    let silentSince = 0;
    for (const [at, i] of sent.entries()) {
      if (i === undefined) assert.fail(`sent frame ${at} is neither silence nor a source frame`);
      if (i === SILENT_FRAME) {
        silentSince++;
        continue;
      }
      if (previous < 0) assert.equal(i, 0, "the stream starts at the source's first frame");
      else assert.ok(i > previous, `source frame ${i} after ${previous}: repeated or out of order`);
      if (previous >= 0 && i > previous + 1)
        assert.ok(
          silentSince > 0,
          `source frames ${previous + 1}-${i - 1} skipped with no silent slot before`,
        );
      previous = i;
      silentSince = 0;
    }
    const audioFrames = sent.filter((i) => i !== SILENT_FRAME).length;
    assert.ok(audioFrames >= 30, `${audioFrames} frames of the source sent`);
  });

  test("stream() asks for frames a frame after they were due: a mixer's late 20 ms timer loses none", async () => {
    const { rig } = await setUp();
    const ulaw = callerUlaw(200, 5);
    const pcm = decodeUlaw(ulaw);
    // A conference's mixer in miniature: frame n is due at origin + 20n, in phase with the
    // stream's pulls, but its timer fires 5 ms late each time.
    const clock = new RealClock();
    const mix = new TimedFrames();
    const origin = clock.now();
    let made = 0;
    let timer: Timer | undefined;
    const tick = () => {
      mix.push(pcm.subarray(made * 160, made * 160 + 160), origin + made * 20);
      made++;
      timer = clock.setTimeout(tick, origin + made * 20 + 5 - clock.now());
    };
    timer = clock.setTimeout(tick, origin + 5 - clock.now());
    const abort = new AbortController();
    const streaming = rig.media.stream(mix, abort.signal);
    await rig.peer.waitFor(40);
    abort.abort();
    await streaming;
    timer?.cancel();
    const sent = sentFrames(payloads(rig.peer.received), ulaw);
    const audio = sent.filter((i) => i !== SILENT_FRAME);
    assert.ok(audio.length >= 30, `${audio.length} frames of the mix sent`);
    const first = sent.indexOf(audio[0]);
    assert.deepEqual(
      sent.slice(first, first + audio.length),
      Array.from({ length: audio.length }, (_, n) => (audio[0] as number) + n),
      "once the mix is heard, every frame follows the one before, with no silent slot between",
    );
    assert.equal(mix.dropped, 0, "no frame of the mix came after its slot");
  });

  test("a stream whose source throws rejects with RTP_STREAM_SOURCE_FAILED", async () => {
    const { rig } = await setUp();
    let pulled = 0;
    const source = {
      next: (): Frame => {
        if (++pulled === 4) throw new Error("the source broke");
        return new Int16Array(160).fill(1000);
      },
    };
    await assert.rejects(rig.media.stream(source, new AbortController().signal), {
      code: "RTP_STREAM_SOURCE_FAILED",
    });
  });

  test("sendDigits() sends RFC 4733 events: per key five progress packets and three end packets", async () => {
    const { rig } = await setUp();
    await rig.media.sendDigits("1#", 40, new AbortController().signal);
    await rig.peer.waitFor(16);
    const events = rig.peer.received.filter((d) => ((d[1] as number) & 0x7f) === 101);
    assert.equal(events.length, 16);
    events.forEach((packet, i) => {
      assert.equal(packet[12], i < 8 ? 1 : 11, `event code of packet ${i}`);
      assert.equal(((packet[13] as number) & 0x80) !== 0, i % 8 >= 5, `end bit of packet ${i}`);
    });
  });
});

describe("media workers: sessions and threads", () => {
  test("close() resolves with the session's counters and frees its ports", async () => {
    const { rig } = await setUp();
    const ulaw = callerUlaw(10, 5);
    for (let n = 0; n < 10; n++) await rig.send(ulawPacket(ulaw, n));
    await rig.audioFrames(10);
    await rig.media.play(decodeUlaw(callerUlaw(5, 6)), new AbortController().signal);
    await rig.peer.waitFor(5);
    const stats = await rig.media.close();
    assert.equal(stats.packetsReceived, 10);
    assert.equal(stats.packetsSent, 5);
    assert.equal(stats.dropped, 0);
    await bindBoth(rig.media.localPort);
  });

  test("two workers share the sessions by load, and the ports come from one cursor", async () => {
    const started = startWorkers(2);
    workers = started.workers;
    const opened: WorkerRig[] = [];
    for (let i = 0; i < 4; i++) opened.push(await openRig(started.log));
    assert.deepEqual(opened.map(workerOf), [0, 1, 0, 1]);
    const ports = opened.map((rig) => rig.media.localPort);
    for (let i = 1; i < ports.length; i++)
      assert.ok((ports[i] as number) > (ports[i - 1] as number), `ports ${ports.join(", ")}`);

    // One fewer on worker 0: the next session goes there.
    await (opened[0] as WorkerRig).close();
    rigs = rigs.filter((rig) => rig !== opened[0]);
    const next = await openRig(started.log);
    assert.equal(workerOf(next), 0);
    assert.ok(next.media.localPort > (ports[3] as number), "the cursor moved on, not back to a freed port");

    // Opened in the same turn, they still see each other's load.
    const together = await Promise.all([1, 2, 3, 4].map(() => openRig(started.log)));
    assert.deepEqual(together.map(workerOf).sort(), [0, 0, 1, 1], "balanced: 2 + 2 more on top of 2 each");
    assert.equal(new Set(together.map((rig) => rig.media.localPort)).size, 4);
  });

  test("once the workers are stopped, open() is refused", async () => {
    const started = startWorkers(1);
    started.workers.warm();
    await started.workers.close();
    await assert.rejects(started.workers.open(started.log.logger), { code: "RTP_WORKERS_CLOSED" });
  });

  test("a worker that dies fails its operations and calls, says so, and the next call gets a new one", async () => {
    const exitModule = new URL("./media-worker-exit.ts", import.meta.url).href;
    const started = startWorkers(1, { imports: [exitModule] });
    workers = started.workers;
    const a = await openRig(started.log);
    const b = await openRig(started.log);
    const playing = a.media.play(decodeUlaw(callerUlaw(250)), new AbortController().signal);
    await a.peer.waitFor(1);

    const dying = b.media.sendDigits(EXIT_DIGITS, 0, new AbortController().signal);
    await assert.rejects(dying, { code: "RTP_WORKER_FAILED" });
    await assert.rejects(playing, { code: "RTP_WORKER_FAILED" });
    assert.equal(((await a.failed) as { code?: string }).code, "RTP_WORKER_FAILED");
    assert.equal(((await b.failed) as { code?: string }).code, "RTP_WORKER_FAILED");
    const line = await started.log.line((l) => l.level === 50 && l.calls !== undefined);
    assert.equal(line.calls, 2);
    assert.match(String(line.msg), /media worker failed/);
    await assert.rejects(a.media.drain(), { code: "RTP_WORKER_FAILED" });
    assert.equal((await a.media.close()).packetsSent, 0, "a lost session closes at once, with no counters");

    const c = await openRig(started.log);
    assert.notEqual((c.media as WorkerRtpMedia).worker, (a.media as WorkerRtpMedia).worker);
    const ulaw = callerUlaw(5, 11);
    for (let n = 0; n < 5; n++) await c.send(ulawPacket(ulaw, n));
    await c.audioFrames(5);
    assert.deepEqual(c.heard().subarray(0, ulaw.length), decodeUlaw(ulaw));
  });
});
