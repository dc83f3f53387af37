import type { FrameSource } from "../../../engine/leg.js";
import { BelayError } from "../../../errors.js";
import { FRAME_SAMPLES } from "../../../media/frame.js";
import { alawEncode, ulawEncode } from "../../../media/g711.js";
import type { Clock, Timer } from "../../../time/clock.js";
import { EVENT_PAYLOAD_BYTES, writeEventPayload } from "./dtmf.js";
import { RTP_HEADER_BYTES, writeRtpHeader } from "./packet.js";

/**
 * The send side: audio and RFC 4733 digits, one job at a time in call order, each packet sent on
 * a monotonic schedule (packet n at start + n × ptime, never "now + ptime"), so timer lateness is
 * caught up instead of accumulating. RTP timestamps follow the schedule's time, so a pause between
 * two plays shows as a timestamp gap and a marker bit, as silence suppression does (RFC 3551 §4.1).
 *
 * A stream (a conference's mix) is the one job that others do not wait behind: digits sent while
 * it is the last job queued interleave with it (its audio is suspended while they go out), since a
 * stream lasts until its caller aborts it. A play queued after a stream still waits for its end:
 * the conference stops the stream before it plays anything, so one job at a time stays the rule.
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
  /** A stream hands back the digits it was interleaving when it ends. */
  release?(): Job[];
}

/** Resolves a job's promise, or rejects it with why the job failed. */
type Settle = (failure?: Error) => void;

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

  /**
   * Sends the source's frames until `signal` aborts. Rejects only if the source throws (the
   * stream then ends); closing the sender resolves it.
   */
  stream(source: FrameSource, signal: AbortSignal): Promise<void> {
    return this.enqueue((settle) => new StreamJob(this, source, signal, settle));
  }

  /** Digits already filtered to event codes 0-15. Interleaved with a stream that is the last job. */
  sendEvents(codes: number[], pauseMs: number, signal: AbortSignal): Promise<void> {
    return this.enqueue((settle) => new DigitsJob(this, codes, pauseMs, signal, settle));
  }

  /** Ends every job (their promises resolve) and stops the timer. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    const jobs = this.active ? [this.active, ...this.queue.splice(0)] : this.queue.splice(0);
    this.active = undefined;
    for (const job of jobs) {
      for (const digits of job.release?.() ?? []) digits.settle();
      job.settle();
    }
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

  private enqueue(make: (settle: Settle) => Job): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closed) {
        resolve();
        return;
      }
      const job = make((failure) => (failure ? reject(failure) : resolve()));
      if (job.signal.aborted) {
        job.settle();
        return;
      }
      job.signal.addEventListener("abort", () => this.abort(job), { once: true });
      const last = this.queue.at(-1) ?? this.active;
      if (job instanceof DigitsJob && last instanceof StreamJob && !last.settled) {
        last.interleave(job);
        return;
      }
      this.queue.push(job);
      if (!this.active) this.run();
    });
  }

  private abort(job: Job): void {
    job.settle();
    // Digits a stream held go on by themselves, where the stream was in the queue.
    const orphans = job.release?.() ?? [];
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1, ...orphans);
      return;
    }
    // The active job, or digits inside the active stream: its next packet time may have changed.
    this.timer?.cancel();
    this.timer = undefined;
    if (job === this.active) {
      this.active = undefined;
      this.queue.unshift(...orphans);
    }
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
        this.queue.unshift(...(job.release?.() ?? []));
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
  /** Set before the job reports itself finished: its promise rejects with it. */
  protected failure: Error | undefined;
  constructor(
    readonly signal: AbortSignal,
    private readonly done: Settle,
  ) {}

  settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.done(this.failure);
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
    resolve: Settle,
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
  /** A stream that ends mid-digit hands the job back to the queue: it goes on where it was. */
  began = false;

  constructor(
    private readonly sender: RtpSender,
    readonly codes: number[],
    private readonly pauseMs: number,
    signal: AbortSignal,
    resolve: Settle,
  ) {
    super(signal, resolve);
  }

  begin(now: number): void {
    if (this.began) return;
    this.began = true;
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

/** Capacity for the samples a stream has pulled and not yet sent: a 60 ms packet plus a frame. */
const STREAM_BUFFER_SAMPLES = 60 * 8 + 2 * FRAME_SAMPLES;

/**
 * A stream: packets on a grid of slots, slot n at start + the packet times before it, each taking
 * the next ptime of samples from the source's 20 ms frames, pulled when a packet needs them (ptime
 * 20: one per packet; 30: two, then one; 10: one every other packet), the rest kept for the next
 * packet, so no sample is skipped or repeated and a re-INVITE may change ptime between packets.
 *
 * Each frame is asked of the source by its due time (FrameSource.next(dueBy)): the time it starts
 * to play less the stream's lead, which is the packet time it began with. A packet's frames are
 * all pulled at its slot, the last one `ptime − 20` ms before it plays, so a source producing on
 * its own 20 ms schedule (a conference's mixer) has made every frame asked for at least 20 ms
 * before: its timer may run that late without a frame being missed.
 *
 * Digits handed to it go out at the next slot: while they last, each slot's samples are still
 * pulled but not sent (the far end hears the key instead, and the source keeps its cadence), then
 * audio resumes at the first slot after them, its timestamp counting the time the keys took and its
 * marker set; no packet is sent late to catch up. Digits are emitted before a slot due at the same
 * time, so the slot at a key's end already carries audio.
 */
class StreamJob extends BaseJob implements Job {
  private nextAt = 0;
  /** Schedule time of the stream's first sample: a slot at time t starts at sample (t − origin) × 8. */
  private origin = 0;
  private marker = false;
  private began = false;
  /** How long before it plays a frame must have been due from the source (see above). */
  private lead = 20;
  private readonly buffer = new Int16Array(STREAM_BUFFER_SAMPLES);
  /** Stream sample index of buffer[0], and how many samples the buffer holds. */
  private bufferStart = 0;
  private buffered = 0;
  /** Digits to send, in call order; the first is under way once `digitsRunning`. */
  private readonly digits: DigitsJob[] = [];
  private digitsRunning = false;

  constructor(
    private readonly sender: RtpSender,
    private readonly source: FrameSource,
    signal: AbortSignal,
    resolve: Settle,
  ) {
    super(signal, resolve);
  }

  interleave(digits: DigitsJob): void {
    this.digits.push(digits);
  }

  release(): Job[] {
    this.digitsRunning = false;
    return this.digits.splice(0).filter((job) => !job.settled);
  }

  begin(now: number): void {
    if (this.began) return;
    this.began = true;
    const { start, continues } = this.sender.audioStart(now);
    this.origin = start;
    this.nextAt = start;
    this.marker = !continues;
    this.lead = this.sender.ptimeMs;
  }

  due(): number {
    const digits = this.currentDigits();
    return digits && this.digitsRunning ? Math.min(digits.due(), this.nextAt) : this.nextAt;
  }

  emit(): boolean {
    const digits = this.currentDigits();
    if (digits) {
      if (!this.digitsRunning) {
        // Keys start where the audio sent so far ends: event and audio timestamps do not overlap.
        digits.begin(this.nextAt);
        this.digitsRunning = true;
      }
      if (digits.due() <= this.nextAt) {
        if (digits.emit()) this.endDigits(digits);
        return false;
      }
    }
    try {
      this.sendSlot(!this.digitsRunning);
    } catch (err) {
      this.failure = new BelayError(
        "RTP_STREAM_SOURCE_FAILED",
        "the stream's frame source threw",
        {},
        { cause: err },
      );
      return true;
    }
    return false;
  }

  /** The digits job in hand (settled ones, aborted meanwhile, are dropped). */
  private currentDigits(): DigitsJob | undefined {
    while (this.digits.length > 0) {
      const first = this.digits[0] as DigitsJob;
      if (!first.settled) return first;
      this.digits.shift();
      if (this.digitsRunning) this.afterDigits(first);
    }
    return undefined;
  }

  private endDigits(digits: DigitsJob): void {
    digits.settle();
    this.digits.shift();
    this.afterDigits(digits);
  }

  private afterDigits(digits: DigitsJob): void {
    this.digitsRunning = false;
    if (digits.codes.length > 0) this.marker = true;
  }

  /** One slot: the next ptime of samples, sent (or, while keys go out, only taken from the source). */
  private sendSlot(send: boolean): void {
    const ptimeMs = this.sender.ptimeMs;
    const from = (this.nextAt - this.origin) * 8;
    const to = from + ptimeMs * 8;
    this.pullThrough(to);
    if (send) {
      this.sender.sendAudio(this.buffer, from - this.bufferStart, ptimeMs, this.nextAt, this.marker);
      this.marker = false;
    }
    this.dropBefore(to);
    this.nextAt += ptimeMs;
  }

  private pullThrough(end: number): void {
    while (this.bufferStart + this.buffered < end) {
      const playsAt = this.origin + (this.bufferStart + this.buffered) / 8;
      const frame = this.source.next(playsAt - this.lead);
      const at = this.buffered;
      // A frame of the wrong length would shift every later sample: take 160, padded with silence.
      if (frame.length === FRAME_SAMPLES) this.buffer.set(frame, at);
      else {
        this.buffer.set(frame.subarray(0, FRAME_SAMPLES), at);
        this.buffer.fill(0, at + Math.min(frame.length, FRAME_SAMPLES), at + FRAME_SAMPLES);
      }
      this.buffered += FRAME_SAMPLES;
    }
  }

  private dropBefore(sample: number): void {
    const drop = sample - this.bufferStart;
    this.buffer.copyWithin(0, drop, this.buffered);
    this.buffered -= drop;
    this.bufferStart = sample;
  }
}
