import { alawEncode, ulawEncode } from "../../../media/g711.js";
import type { Clock, Timer } from "../../../time/clock.js";
import { EVENT_PAYLOAD_BYTES, writeEventPayload } from "./dtmf.js";
import { RTP_HEADER_BYTES, writeRtpHeader } from "./packet.js";

/**
 * The send side: audio and RFC 4733 digits, one job at a time in call order, each packet sent on
 * a monotonic schedule (packet n at start + n × ptime, never "now + ptime"), so timer lateness is
 * caught up instead of accumulating. RTP timestamps follow the schedule's time, so a pause between
 * two plays shows as a timestamp gap and a marker bit, as silence suppression does (RFC 3551 §4.1).
 */

export const DIGIT_MS = 100;
/** Event packets go out every 20 ms whatever the audio's packet time. */
const EVENT_INTERVAL_MS = 20;
const EVENT_PACKETS = DIGIT_MS / EVENT_INTERVAL_MS;
/** RFC 4733 §2.5.1.4: the end packet is sent three times. */
const END_REPEATS = 3;

export interface SendFormat {
  payloadType: number;
  ptimeMs: number;
  telephoneEventPt: number | undefined;
}

/** Sends a packet; false when it was held back (on hold, nowhere to send yet). */
type Transmit = (packet: Uint8Array, length: number) => boolean;

interface Job {
  /** When its next packet is due, or Infinity once finished. */
  due(): number;
  /** Sends the packet that is due; true when the job has nothing more to send. */
  emit(): boolean;
  begin(now: number): void;
  readonly signal: AbortSignal;
  settle(): void;
  settled: boolean;
}

export class RtpSender {
  readonly ssrc: number;
  private sequence: number;
  private readonly timestampBase: number;
  private readonly origin: number;
  private format: SendFormat = { payloadType: 0, ptimeMs: 20, telephoneEventPt: undefined };
  /** Schedule time just after the last audio packet; a job starting there continues the talkspurt. */
  private audioEnd = Number.NEGATIVE_INFINITY;
  private readonly queue: Job[] = [];
  private active: Job | undefined;
  private timer: Timer | undefined;
  private closed = false;
  packetsSent = 0;
  private readonly onTimer = () => {
    this.timer = undefined;
    this.run();
  };

  constructor(
    private readonly clock: Clock,
    private readonly transmit: Transmit,
    random: { ssrc: number; sequence: number; timestamp: number },
  ) {
    this.ssrc = random.ssrc >>> 0;
    this.sequence = random.sequence & 0xffff;
    this.timestampBase = random.timestamp >>> 0;
    this.origin = clock.now();
  }

  setFormat(format: SendFormat): void {
    this.format = { ...format, ptimeMs: Math.min(60, Math.max(10, Math.round(format.ptimeMs))) };
  }

  play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    return this.enqueue((settle) => new AudioJob(this, pcm, signal, settle));
  }

  /** Digits already filtered to event codes 0-15. */
  sendEvents(codes: number[], pauseMs: number, signal: AbortSignal): Promise<void> {
    return this.enqueue((settle) => new DigitsJob(this, codes, pauseMs, signal, settle));
  }

  /** Ends every job (their promises resolve) and stops the timer. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.active?.settle();
    this.active = undefined;
    for (const job of this.queue.splice(0)) job.settle();
  }

  // --- used by the jobs ---

  get ptimeMs(): number {
    return this.format.ptimeMs;
  }

  /** Where a new audio job starts, and whether that continues the previous talkspurt. */
  audioStart(now: number): { start: number; continues: boolean } {
    if (now <= this.audioEnd) return { start: this.audioEnd, continues: true };
    return { start: now, continues: false };
  }

  /** Sends `ptimeMs` of `pcm` from `offset`: the job's packet time, fixed when it began. */
  sendAudio(pcm: Int16Array, offset: number, ptimeMs: number, at: number, marker: boolean): void {
    const payloadType = this.format.payloadType;
    const samples = ptimeMs * 8;
    const buf = packetBuffer(RTP_HEADER_BYTES + samples);
    writeRtpHeader(buf, payloadType, marker, this.nextSequence(), this.timestampAt(at), this.ssrc);
    const available = Math.max(0, Math.min(samples, pcm.length - offset));
    const encode = payloadType === 8 ? alawEncode : ulawEncode;
    for (let i = 0; i < available; i++) buf[RTP_HEADER_BYTES + i] = encode(pcm[offset + i] as number);
    // A short last packet is padded with encoded silence: the peer expects whole packets.
    const silence = encode(0);
    for (let i = available; i < samples; i++) buf[RTP_HEADER_BYTES + i] = silence;
    this.audioEnd = at + ptimeMs;
    this.send(buf, RTP_HEADER_BYTES + samples);
  }

  sendEvent(code: number, eventStart: number, marker: boolean, end: boolean, duration: number): void {
    const pt = this.format.telephoneEventPt;
    if (pt === undefined) return;
    const buf = packetBuffer(RTP_HEADER_BYTES + EVENT_PAYLOAD_BYTES);
    writeRtpHeader(buf, pt, marker, this.nextSequence(), this.timestampAt(eventStart), this.ssrc);
    writeEventPayload(buf, RTP_HEADER_BYTES, code, end, duration);
    // The next audio starts a new talkspurt: its timestamps jump past the event.
    this.audioEnd = Number.NEGATIVE_INFINITY;
    this.send(buf, RTP_HEADER_BYTES + EVENT_PAYLOAD_BYTES);
  }

  // --- scheduling ---

  private enqueue(make: (settle: () => void) => Job): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closed) {
        resolve();
        return;
      }
      const job = make(resolve);
      if (job.signal.aborted) {
        job.settle();
        return;
      }
      job.signal.addEventListener("abort", () => this.abort(job), { once: true });
      this.queue.push(job);
      if (!this.active) this.run();
    });
  }

  private abort(job: Job): void {
    job.settle();
    if (job !== this.active) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.active = undefined;
    this.run();
  }

  private run(): void {
    const now = this.clock.now();
    for (;;) {
      if (!this.active) {
        const next = this.queue.shift();
        if (!next) return;
        if (next.settled) continue;
        next.begin(now);
        this.active = next;
      }
      const job = this.active;
      const due = job.due();
      if (due > now) {
        this.timer = this.clock.setTimeout(this.onTimer, due - now);
        return;
      }
      if (job.emit()) {
        job.settle();
        this.active = undefined;
      }
    }
  }

  private nextSequence(): number {
    const seq = this.sequence;
    this.sequence = (seq + 1) & 0xffff;
    return seq;
  }

  private timestampAt(at: number): number {
    return (this.timestampBase + (at - this.origin) * 8) >>> 0;
  }

  private send(buf: Buffer, length: number): void {
    if (this.transmit(buf, length)) this.packetsSent++;
  }
}

/**
 * A buffer per packet, from Node's pooled slab (cheap): dgram reads the bytes only on a later tick
 * (it resolves even a literal address asynchronously), so a reused buffer would be overwritten by
 * the next packet of a burst before it left.
 */
function packetBuffer(length: number): Buffer {
  return Buffer.allocUnsafe(length);
}

abstract class BaseJob {
  settled = false;
  constructor(
    readonly signal: AbortSignal,
    private readonly resolve: () => void,
  ) {}

  settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve();
  }
}

class AudioJob extends BaseJob implements Job {
  private start = 0;
  private packet = 0;
  private marker = false;
  /** Fixed for the job: a re-INVITE changing ptime mid-play must not skip or repeat audio. */
  private ptimeMs = 20;

  constructor(
    private readonly sender: RtpSender,
    private readonly pcm: Int16Array,
    signal: AbortSignal,
    resolve: () => void,
  ) {
    super(signal, resolve);
  }

  begin(now: number): void {
    const { start, continues } = this.sender.audioStart(now);
    this.start = start;
    this.marker = !continues;
    this.ptimeMs = this.sender.ptimeMs;
  }

  due(): number {
    return this.start + this.packet * this.ptimeMs;
  }

  emit(): boolean {
    const samples = this.ptimeMs * 8;
    const offset = this.packet * samples;
    if (offset >= this.pcm.length) return true;
    this.sender.sendAudio(this.pcm, offset, this.ptimeMs, this.due(), this.marker && this.packet === 0);
    this.packet++;
    return offset + samples >= this.pcm.length;
  }
}

/**
 * Each digit: five packets 20 ms apart with the duration so far (160…800 samples), the first with
 * the marker bit, then the end packet three times at 100 ms; the next digit starts `pauseMs` after
 * that, and the job lasts digits × (100 ms + pause), as a virtual leg's does.
 */
class DigitsJob extends BaseJob implements Job {
  private start = 0;
  private step = 0;
  private readonly stepsPerDigit = EVENT_PACKETS + END_REPEATS;

  constructor(
    private readonly sender: RtpSender,
    private readonly codes: number[],
    private readonly pauseMs: number,
    signal: AbortSignal,
    resolve: () => void,
  ) {
    super(signal, resolve);
  }

  begin(now: number): void {
    this.start = now;
  }

  private digitStart(digit: number): number {
    return this.start + digit * (DIGIT_MS + this.pauseMs);
  }

  due(): number {
    const digit = Math.floor(this.step / this.stepsPerDigit);
    if (digit >= this.codes.length) return this.digitStart(this.codes.length);
    const within = this.step % this.stepsPerDigit;
    return this.digitStart(digit) + Math.min(within, EVENT_PACKETS) * EVENT_INTERVAL_MS;
  }

  emit(): boolean {
    const digit = Math.floor(this.step / this.stepsPerDigit);
    if (digit >= this.codes.length) return true; // the trailing pause is over
    const within = this.step % this.stepsPerDigit;
    const code = this.codes[digit] as number;
    const end = within >= EVENT_PACKETS;
    const duration = (end ? EVENT_PACKETS : within + 1) * EVENT_INTERVAL_MS * 8;
    this.sender.sendEvent(code, this.digitStart(digit), within === 0, end, duration);
    this.step++;
    return false;
  }
}
