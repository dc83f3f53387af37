import { FRAME_SAMPLES } from "../../../media/frame.js";
import { alawDecode, ulawDecode } from "../../../media/g711.js";

/**
 * The receive side's playout buffer: decoded samples in a ring indexed by playout position, which
 * is the RTP timestamp plus an offset fixed when the stream is anchored. Frames are read out at
 * the call's pace; whatever slot no packet filled reads as zero, so loss and silence suppression
 * are silence without any bookkeeping, and reordered or duplicated packets land where they belong.
 *
 * The delay is fixed (60 ms by default): an IVR cares about losing nothing more than about
 * latency, and a fixed delay keeps the recording sample-exact. It is the longest a missing packet
 * is waited for: slots are marked as they are filled, so a frame whose every sample is there can
 * be read out before its deadline (readyFrames). The mapping is re-anchored on a new
 * SSRC, a marker bit (new talkspurt), comfort noise, a sequence restart, a timestamp jump, and
 * after several late packets in a row (the peer's clock drifting slower than ours).
 */

const RING_SAMPLES = 8192; // ~1 s: covers delay + MAX_EARLY + the largest packet with room to spare
const MASK = RING_SAMPLES - 1;
/** A packet this far beyond the delay is a timestamp jump, not an early arrival. */
const MAX_EARLY_SAMPLES = 1600; // 200 ms
/** A packet this far behind playout is a timestamp jump, not a late arrival. */
const MAX_LATE_SAMPLES = 8000; // 1 s
/** Late packets in a row that mean the mapping has slipped (clock drift, a small jump back). */
const LATE_RUN_REANCHOR = 3;
export const MAX_JITTER_MS = 200;
/** The largest audio payload accepted: 120 ms of G.711. */
export const MAX_PACKET_SAMPLES = 960;
/**
 * How far behind the clock playout may be taken into account (~480 ms): beyond it, writes could
 * wrap the ring onto frames not yet read. After a longer stall the burst is re-anchored instead.
 */
const MAX_BEHIND_SAMPLES =
  FRAME_SAMPLES *
  (Math.floor((RING_SAMPLES - (MAX_JITTER_MS * 8 + MAX_EARLY_SAMPLES + MAX_PACKET_SAMPLES)) / FRAME_SAMPLES) -
    1);
export const MIN_JITTER_MS = 20;

export const CODEC_ULAW = 0;
export const CODEC_ALAW = 8;

export type WriteResult = "ok" | "late" | "anchored";

export class PlayoutBuffer {
  private readonly ring = new Int16Array(RING_SAMPLES);
  /** Per slot: 1 once a packet (or a known silence) has filled it, until it is read out. */
  private readonly filled = new Uint8Array(RING_SAMPLES);
  /** Playout position of the next frame to deliver (uint32, wraps). */
  private playIndex = 0;
  /** One past the newest sample written (uint32); never behind playIndex. */
  private writtenEnd = 0;
  /** Every slot from playIndex up to here is filled (never behind playIndex, nor past writtenEnd). */
  private readyEnd = 0;
  private offset = 0;
  private anchorPending = true;
  private lateRun = 0;
  /**
   * Set by each write: how far the clock is ahead of the next frame to read; negative when frames
   * went up early, as soon as they were whole.
   */
  private behind = 0;
  readonly delaySamples: number;
  /** The delay in whole frames, rounded up. */
  readonly delayFrames: number;

  constructor(delayMs: number) {
    const ms = Math.min(MAX_JITTER_MS, Math.max(MIN_JITTER_MS, Math.round(delayMs)));
    this.delaySamples = ms * 8;
    this.delayFrames = Math.ceil(this.delaySamples / FRAME_SAMPLES);
  }

  /** The next packet sets a fresh timestamp mapping. */
  reanchor(): void {
    this.anchorPending = true;
  }

  get position(): number {
    return this.playIndex;
  }

  /**
   * Decodes `length` G.711 bytes of `data` from `from` at the position of RTP timestamp `timestamp`.
   * `behind`: samples of frames already due on the clock but not yet read out (the event loop was
   * held up); the burst of packets that follows such a stall is early only by our own delay.
   * Negative: samples read out ahead of the clock, because they were whole before their deadline.
   */
  write(
    timestamp: number,
    data: Uint8Array,
    from: number,
    length: number,
    codec: number,
    behind = 0,
  ): WriteResult {
    this.behind = Math.max(-(this.delaySamples + MAX_EARLY_SAMPLES), Math.min(behind, MAX_BEHIND_SAMPLES));
    let result: WriteResult = "ok";
    if (this.anchorPending) {
      this.anchor(timestamp);
      result = "anchored";
    }
    let index = (timestamp + this.offset) >>> 0;
    let ahead = (index - this.playIndex) | 0;
    if (ahead - this.behind > this.delaySamples + MAX_EARLY_SAMPLES || ahead < -MAX_LATE_SAMPLES) {
      this.anchor(timestamp);
      result = "anchored";
      index = (timestamp + this.offset) >>> 0;
      ahead = (index - this.playIndex) | 0;
    }
    let skip = 0;
    if (ahead < 0) {
      if (++this.lateRun >= LATE_RUN_REANCHOR) {
        this.anchor(timestamp);
        index = (timestamp + this.offset) >>> 0;
        result = "anchored";
      } else {
        // Its frame has gone out as silence; keep whatever part is still in the future.
        skip = Math.min(length, -ahead);
        result = "late";
      }
    } else {
      this.lateRun = 0;
    }
    const ring = this.ring;
    if (codec === CODEC_ULAW) {
      for (let i = skip; i < length; i++) ring[(index + i) & MASK] = ulawDecode(data[from + i] as number);
    } else {
      for (let i = skip; i < length; i++) ring[(index + i) & MASK] = alawDecode(data[from + i] as number);
    }
    const end = (index + length) >>> 0;
    fillSlots(this.filled, (index + skip) >>> 0, end, 1);
    if (((end - this.writtenEnd) | 0) > 0) this.writtenEnd = end;
    this.extendReady();
    return result;
  }

  /**
   * Where an event stamped `timestamp` falls in playout: on the audio's own mapping when it shares
   * the audio's SSRC (baresip), else just after all audio received so far (sipp's DTMF has its own
   * SSRC and unrelated timestamps), so a key never overtakes the speech that preceded it.
   */
  eventPosition(timestamp: number, onAudioMapping: boolean): number {
    let index = onAudioMapping && !this.anchorPending ? (timestamp + this.offset) >>> 0 : this.writtenEnd;
    const ahead = (index - this.playIndex) | 0;
    if (ahead < 0) index = this.playIndex;
    else if (ahead > this.delaySamples + MAX_EARLY_SAMPLES)
      index = (this.playIndex + this.delaySamples) >>> 0;
    return index;
  }

  /** Whether playout position `index` falls before the end of the next frame. */
  dueInNextFrame(index: number): boolean {
    return ((index - this.playIndex) | 0) < FRAME_SAMPLES;
  }

  /** Whole frames at the head of the buffer with every sample there: they can go up now. */
  readyFrames(): number {
    const samples = (this.readyEnd - this.playIndex) | 0;
    return samples > 0 ? Math.floor(samples / FRAME_SAMPLES) : 0;
  }

  /** Whole frames (the last one partial) of audio written and not yet read out. */
  bufferedFrames(): number {
    const samples = (this.writtenEnd - this.playIndex) | 0;
    return samples > 0 ? Math.ceil(samples / FRAME_SAMPLES) : 0;
  }

  /** Copies the next frame into `out` and frees its slots. */
  readFrame(out: Int16Array): void {
    const ring = this.ring;
    const filled = this.filled;
    const start = this.playIndex;
    const at = start & MASK;
    if (at + FRAME_SAMPLES <= RING_SAMPLES) {
      // The usual case: one block copy and two fills, not three stores a sample.
      out.set(ring.subarray(at, at + FRAME_SAMPLES));
      ring.fill(0, at, at + FRAME_SAMPLES);
      filled.fill(0, at, at + FRAME_SAMPLES);
    } else {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const slot = (start + i) & MASK;
        out[i] = ring[slot] as number;
        ring[slot] = 0;
        filled[slot] = 0;
      }
    }
    this.playIndex = (start + FRAME_SAMPLES) >>> 0;
    if (((this.writtenEnd - this.playIndex) | 0) < 0) this.writtenEnd = this.playIndex;
    if (((this.readyEnd - this.playIndex) | 0) < 0) this.readyEnd = this.playIndex;
    this.extendReady();
  }

  /** Moves readyEnd over the filled slots that follow it. */
  private extendReady(): void {
    const filled = this.filled;
    let ready = this.readyEnd;
    if (((ready - this.playIndex) | 0) < 0) ready = this.playIndex;
    while (((this.writtenEnd - ready) | 0) > 0 && filled[ready & MASK] === 1) ready = (ready + 1) >>> 0;
    this.readyEnd = ready;
  }

  /**
   * Continues straight after the audio still buffered when there is a sensible depth of it (a
   * marker bit or a new SSRC on a stream that never paused), else plays the packet one delay from
   * now. Too much buffered (a sender whose clock runs fast) is cut back to the delay, the excess
   * cleared so that nothing stale plays between the new packets.
   */
  private anchor(timestamp: number): void {
    // Measured from where the clock says playout is: a stalled event loop leaves playout behind
    // it, frames that went up as soon as they were whole put it ahead.
    const now = (this.playIndex + this.behind) >>> 0;
    const buffered = (this.writtenEnd - now) | 0;
    let target: number;
    if (buffered * 2 >= this.delaySamples && buffered <= this.delaySamples + MAX_EARLY_SAMPLES / 2) {
      target = this.writtenEnd;
    } else {
      target = (now + this.delaySamples) >>> 0;
      if (((target - this.playIndex) | 0) < 0) target = this.playIndex;
      fillSlots(this.ring, target, this.writtenEnd, 0);
      fillSlots(this.filled, target, this.writtenEnd, 0);
      if (((this.writtenEnd - target) | 0) > 0) this.writtenEnd = target;
      if (((this.readyEnd - target) | 0) > 0) this.readyEnd = target;
      // Nothing will ever arrive for the slots before the new stream's first packet: they are
      // silence now, so the stream's frames need not wait for those slots' deadlines.
      const gap = ((this.writtenEnd - this.playIndex) | 0) > 0 ? this.writtenEnd : this.playIndex;
      fillSlots(this.filled, gap, target, 1);
      if (((target - this.writtenEnd) | 0) > 0) this.writtenEnd = target;
    }
    this.offset = (target - timestamp) >>> 0;
    this.anchorPending = false;
    this.lateRun = 0;
  }
}

/** Sets the ring slots of playout positions [from, to) (uint32, wrapping) to `value`. */
function fillSlots(slots: Int16Array | Uint8Array, from: number, to: number, value: number): void {
  const count = (to - from) | 0;
  if (count <= 0) return;
  const start = from & MASK;
  const first = Math.min(count, RING_SAMPLES - start);
  slots.fill(value, start, start + first);
  if (count > first) slots.fill(value, 0, count - first);
}
