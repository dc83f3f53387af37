import { FRAME_MS, FRAME_SAMPLES, type Frame } from "../../media/frame.js";
import type { FrameSource } from "../leg.js";

const SILENT = new Int16Array(FRAME_SAMPLES);

/**
 * 20 ms frames between two schedules that tick at the same rate but not in phase (a leg's and a
 * conference mixer's), each frame with the clock time it is due: the end of the 20 ms it covers on
 * its producer's schedule. The consumer asks for the frame of one 20 ms slot: a frame that comes
 * early waits for its slot, one that missed its slot is dropped, and a slot with no frame is
 * silence. Jitter in either schedule (RTP frames handed up as soon as their audio is all there,
 * late timers) then never slips the stream: a loss is 20 ms of silence in place, never a shift of
 * everything after it. Slots are allocated once and frames copied in, so a frame taken out stays
 * valid until `capacity` more are put in; beyond capacity the oldest is dropped.
 */
export class TimedFrames implements FrameSource {
  private readonly slots: Int16Array[];
  private readonly due: Float64Array;
  private head = 0;
  private size = 0;
  /** Frames dropped: they came after their slot, or overflowed the queue. */
  dropped = 0;

  constructor(readonly capacity = 16) {
    this.slots = Array.from({ length: capacity }, () => new Int16Array(FRAME_SAMPLES));
    this.due = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(frame: Frame, dueAt: number): void {
    if (this.size === this.capacity) this.dropOldest();
    const at = (this.head + this.size) % this.capacity;
    const slot = this.slots[at] as Int16Array;
    // A frame of the wrong length would shift every later sample: take 160, padded with silence.
    slot.fill(0);
    slot.set(frame.length > FRAME_SAMPLES ? frame.subarray(0, FRAME_SAMPLES) : frame);
    this.due[at] = dueAt;
    this.size++;
  }

  /**
   * The frame due in the slot (slotEnd − 20 ms, slotEnd], or undefined when it has not come;
   * frames due before the slot are dropped.
   */
  take(slotEnd: number): Frame | undefined {
    while (this.size > 0 && (this.due[this.head] as number) <= slotEnd - FRAME_MS) this.dropOldest();
    if (this.size === 0 || (this.due[this.head] as number) > slotEnd) return undefined;
    const frame = this.slots[this.head] as Int16Array;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return frame;
  }

  /** As a leg's stream source: the frame of the slot ending at `dueBy`, else silence. */
  next(dueBy?: number): Frame {
    if (dueBy !== undefined) return this.take(dueBy) ?? SILENT;
    // A source that keeps no schedule of its own (a virtual leg) takes frames in order.
    if (this.size === 0) return SILENT;
    const frame = this.slots[this.head] as Int16Array;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return frame;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  private dropOldest(): void {
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    this.dropped++;
  }
}
