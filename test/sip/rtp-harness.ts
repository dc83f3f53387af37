import dgram from "node:dgram";
import { once } from "node:events";
import pino, { type Logger } from "pino";
import { type RtpPacket, serializeRtp } from "../../src/legs/sip/rtp/packet.js";
import { openRtpSession, type RtpSession } from "../../src/legs/sip/rtp/session.js";
import type { MediaPlan } from "../../src/legs/sip/sdp/types.js";
import { encodeAlaw, encodeUlaw } from "../../src/media/g711.js";
import type { Clock, Timer } from "../../src/time/clock.js";

export const HOST = "127.0.0.1";
export const RANGE = { min: 40000, max: 40999 };

/** Time moves only when a test says so: packets and frames interleave exactly as the test orders them. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void; cancelled: boolean }> = [];

  constructor(start = 1_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const t = this.setTimeout(() => resolve(true), ms);
      signal?.addEventListener("abort", () => {
        t.cancel();
        resolve(false);
      });
    });
  }

  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }

  /** Timers fire one by one, each at its own time, as a test advances. */
  advanceWithin(): boolean {
    return false;
  }

  /** Moves time forward without firing anything: an event loop held up by other work. */
  stall(ms: number): void {
    this.current += ms;
  }

  /** Moves time forward, firing each timer at its own time, in order. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => !t.cancelled && t.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.cancelled = true;
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.current = end;
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: "debug" },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line));
      },
    },
  );
  return { logger, lines };
}

/** A UDP socket standing in for the far end: sends RTP at the session, collects what comes back. */
export class Peer {
  readonly received: Buffer[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(readonly socket: dgram.Socket) {
    socket.on("message", (data) => {
      this.received.push(data);
      this.waiters = this.waiters.filter((w) => {
        if (this.received.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
  }

  static async open(): Promise<Peer> {
    const socket = dgram.createSocket("udp4");
    socket.bind(0, HOST);
    await once(socket, "listening");
    return new Peer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: Uint8Array, port: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(data, port, HOST, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Resolves once `count` datagrams in all have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  close(): void {
    this.socket.close();
  }
}

export function plan(peer: { port: number }, overrides: Partial<MediaPlan> = {}): MediaPlan {
  return {
    codec: "PCMU",
    payloadType: 0,
    ptimeMs: 20,
    telephoneEventPt: 101,
    remote: { address: HOST, port: peer.port },
    direction: "sendrecv",
    ...overrides,
  };
}

/** A session on a manual clock with a peer, recording what it hands up in order. */
export class Rig {
  readonly frames: Int16Array[] = [];
  /** Each frame's due time as the session gave it, and the clock time it was handed up. */
  readonly frameTimes: Array<{ dueAt: number; handedUpAt: number }> = [];
  readonly digits: string[] = [];
  /** Frames as "f" and digits as themselves, in delivery order. */
  readonly order: string[] = [];
  private handled = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(
    readonly session: RtpSession,
    readonly clock: ManualClock,
    readonly peer: Peer,
    readonly lines: LogLine[],
    readonly plan: MediaPlan,
  ) {}

  static async open(
    planOverrides: Partial<MediaPlan> = {},
    options: { jitterMs?: number } = {},
  ): Promise<Rig> {
    const clock = new ManualClock();
    const { logger, lines } = captureLogger();
    const peer = await Peer.open();
    let rig: Rig | undefined;
    const session = await openRtpSession({
      host: HOST,
      portRange: RANGE,
      clock,
      logger,
      ...options,
      onDatagram: () => rig?.onDatagram(),
    });
    rig = new Rig(session, clock, peer, lines, plan(peer, planOverrides));
    session.configure(rig.plan);
    session.start({
      frame: (frame, dueAt) => {
        rig.frames.push(frame);
        rig.frameTimes.push({ dueAt, handedUpAt: clock.now() });
        rig.order.push("f");
      },
      digit: (digit) => {
        rig.digits.push(digit);
        rig.order.push(digit);
      },
    });
    return rig;
  }

  private onDatagram(): void {
    this.handled++;
    this.waiters = this.waiters.filter((w) => {
      if (this.handled < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** Sends datagrams from the peer and waits until the session has handled each one. */
  async deliver(...datagrams: Uint8Array[]): Promise<void> {
    for (const data of datagrams) {
      const target = this.handled + 1;
      const handled = new Promise<void>((resolve) => this.waiters.push({ count: target, resolve }));
      await this.peer.send(data, this.session.localPort);
      await handled;
    }
  }

  /** Waits until the session has handled `count` datagrams in all (from any sender). */
  handledAtLeast(count: number): Promise<void> {
    if (this.handled >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  get handledCount(): number {
    return this.handled;
  }

  /** Every sample handed up so far, in order. */
  samples(): Int16Array {
    const out = new Int16Array(this.frames.length * 160);
    for (let i = 0; i < this.frames.length; i++) out.set(this.frames[i] as Int16Array, i * 160);
    return out;
  }

  async close(): Promise<void> {
    await this.session.close();
    this.peer.close();
  }
}

/** A deterministic, speech-like test signal (not a pure tone, so misalignment shows). */
export function testSignal(samples: number, seed = 1): Int16Array {
  const out = new Int16Array(samples);
  let x = seed;
  for (let i = 0; i < samples; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const noise = ((x >> 8) % 2000) - 1000;
    out[i] = Math.round(8000 * Math.sin(i / 7) * Math.sin(i / 300) + noise);
  }
  return out;
}

export interface AudioStream {
  ssrc: number;
  firstSeq: number;
  firstTs: number;
  payloadType: 0 | 8;
  samplesPerPacket: number;
  bytes: Uint8Array;
}

export function encode(pcm: Int16Array, payloadType: 0 | 8): Uint8Array {
  return payloadType === 0 ? encodeUlaw(pcm) : encodeAlaw(pcm);
}

/** Packet n of an audio stream, as a peer would send it. */
export function audioPacket(stream: AudioStream, n: number, extra: Partial<RtpPacket> = {}): Buffer {
  const start = n * stream.samplesPerPacket;
  return serializeRtp({
    payloadType: stream.payloadType,
    sequence: (stream.firstSeq + n) & 0xffff,
    timestamp: (stream.firstTs + start) >>> 0,
    ssrc: stream.ssrc,
    marker: n === 0,
    payload: stream.bytes.subarray(start, start + stream.samplesPerPacket),
    ...extra,
  });
}

export function packetCount(stream: AudioStream): number {
  return Math.ceil(stream.bytes.length / stream.samplesPerPacket);
}

/** A telephone-event packet (RFC 4733). */
export function eventPacket(fields: {
  ssrc: number;
  sequence: number;
  timestamp: number;
  event: number;
  end: boolean;
  duration: number;
  marker?: boolean;
  payloadType?: number;
}): Buffer {
  const payload = Buffer.alloc(4);
  payload[0] = fields.event;
  payload[1] = (fields.end ? 0x80 : 0) | 10;
  payload.writeUInt16BE(fields.duration, 2);
  return serializeRtp({
    payloadType: fields.payloadType ?? 101,
    sequence: fields.sequence,
    timestamp: fields.timestamp,
    ssrc: fields.ssrc,
    marker: fields.marker ?? false,
    payload,
  });
}
