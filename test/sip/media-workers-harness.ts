import dgram from "node:dgram";
import type { Logger } from "pino";
import type { RtpMedia } from "../../src/legs/sip/rtp/types.js";
import { MediaWorkers } from "../../src/legs/sip/rtp/worker/media-workers.js";
import { LogCapture } from "./log-capture.js";
import { type AudioStream, audioPacket, eventPacket, HOST, Peer, plan } from "./rtp-harness.js";

/** Media workers over real UDP on 127.0.0.1 and the real clock, as `belay serve` runs them. */

/** Away from rtp-harness's range, so the in-process RTP tests never compete for these ports. */
export const WORKER_RANGE = { min: 41000, max: 41999 };
export const SSRC = 0x5eed0001;
export const FIRST_TS = 160_000;
export const FIRST_SEQ = 500;

export function startWorkers(
  count: number,
  options: { jitterMs?: number; imports?: string[] } = {},
): { workers: MediaWorkers; log: LogCapture } {
  const log = new LogCapture("debug");
  const workers = new MediaWorkers({
    count,
    host: HOST,
    portRange: WORKER_RANGE,
    logger: log.logger,
    ...options,
  });
  return { workers, log };
}

/** A session opened through the workers, a peer socket, and everything the session handed up. */
export class WorkerRig {
  readonly frames: Int16Array[] = [];
  readonly dueAt: number[] = [];
  /** Main-thread clock when each frame arrived. */
  readonly arrivedAt: number[] = [];
  readonly digits: string[] = [];
  /** "s" for a silent frame, "a" for audio, a key as itself: in the order they were handed up. */
  readonly order: string[] = [];
  readonly failed: Promise<Error>;
  private readonly waiters = new Set<() => void>();
  private reportFailure: (err: Error) => void = () => undefined;

  private constructor(
    readonly media: RtpMedia,
    readonly peer: Peer,
  ) {
    this.failed = new Promise((resolve) => {
      this.reportFailure = resolve;
    });
  }

  static async open(workers: MediaWorkers, logger: Logger): Promise<WorkerRig> {
    const peer = await Peer.open();
    const media = await workers.open(logger);
    const rig = new WorkerRig(media, peer);
    media.configure(plan(peer));
    media.start({
      frame: (frame, dueAt) => {
        rig.frames.push(frame);
        rig.dueAt.push(dueAt);
        rig.arrivedAt.push(Date.now());
        rig.order.push(frame.some((x) => x !== 0) ? "a" : "s");
        rig.wake();
      },
      digit: (digit) => {
        rig.digits.push(digit);
        rig.order.push(digit);
        rig.wake();
      },
      failed: (err) => rig.reportFailure(err),
    });
    return rig;
  }

  /** Resolves once `count` frames holding audio have come up. */
  audioFrames(count: number, timeoutMs = 5000): Promise<void> {
    return this.until(
      () => this.order.filter((o) => o === "a").length >= count,
      timeoutMs,
      `${count} audio frames`,
    );
  }

  /** Every sample from the first frame holding audio on, in order. */
  heard(): Int16Array {
    const first = this.order.filter((o) => o === "a" || o === "s").indexOf("a");
    const frames = first < 0 ? [] : this.frames.slice(first);
    const out = new Int16Array(frames.length * 160);
    for (const [i, frame] of frames.entries()) out.set(frame, i * 160);
    return out;
  }

  send(packet: Uint8Array): Promise<void> {
    return this.peer.send(packet, this.media.localPort);
  }

  async close(): Promise<void> {
    await this.media.close();
    this.peer.close();
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for ${what}; order: ${this.order.join("")}`),
        );
      }, timeoutMs);
      const wake = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

/** Noise-like u-law without the two codes that decode to 0, so audio is never taken for silence. */
export function callerUlaw(packets: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(packets * 160);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    let byte = (x >>> 16) & 0xff;
    if (byte === 0xff || byte === 0x7f) byte ^= 0x01;
    out[i] = byte;
  }
  return out;
}

/** Packet n of a 20 ms PCMU stream; `seqShift` moves the sequence on past events sent in between. */
export function ulawPacket(ulaw: Uint8Array, n: number, seqShift = 0): Buffer {
  const stream: AudioStream = {
    ssrc: SSRC,
    firstSeq: FIRST_SEQ,
    firstTs: FIRST_TS,
    payloadType: 0,
    samplesPerPacket: 160,
    bytes: ulaw,
  };
  return audioPacket(stream, n, { sequence: (FIRST_SEQ + n + seqShift) & 0xffff });
}

/** An RFC 4733 packet for `event`, on the audio's SSRC (baresip's way). */
export function keyPacket(event: number, timestamp: number, sequence: number, end: boolean): Buffer {
  return eventPacket({
    ssrc: SSRC,
    sequence,
    timestamp,
    event,
    end,
    duration: end ? 800 : 160,
    marker: !end,
  });
}

/** Sends `count` things at 20 ms intervals from now on a drift-free schedule: a peer's real time. */
export async function paced(count: number, send: (n: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  for (let n = 0; n < count; n++) {
    const wait = start + n * 20 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await send(n);
  }
}

/** Binds `port` (and the RTCP port above it) on 127.0.0.1: rejects if something still holds them. */
export async function bindBoth(port: number): Promise<void> {
  for (const p of [port, port + 1]) {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(p, HOST, () => resolve());
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/** The u-law payload bytes of the audio packets a peer received, in arrival order. */
export function payloads(received: Buffer[], payloadType = 0): Uint8Array {
  const audio = received.filter(
    (d) => (d[1] as number) === payloadType || (d[1] as number) === (payloadType | 0x80),
  );
  return Buffer.concat(audio.map((d) => d.subarray(12)));
}
