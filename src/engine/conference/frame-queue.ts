import { FRAME_SAMPLES, type Frame } from "../../media/frame.js";
import type { FrameSource } from "../leg.js";

const SILENT = new Int16Array(FRAME_SAMPLES);

/**
 * A short FIFO of 20 ms frames between two schedules that tick at the same rate but not in phase:
 * a leg's and a conference mixer's. Slots are allocated once and frames copied in, so a frame
 * taken out stays valid until `capacity` more are put in. When the producer runs ahead by more
 * than `capacity` frames the oldest is dropped: latency stays bounded instead of growing.
 */
export class FrameQueue implements FrameSource {
  private readonly slots: Int16Array[];
  private head = 0;
  private size = 0;
  /** Frames dropped because the consumer fell behind. */
  dropped = 0;

  constructor(readonly capacity = 4) {
    this.slots = Array.from({ length: capacity }, () => new Int16Array(FRAME_SAMPLES));
  }

  get length(): number {
    return this.size;
  }

  push(frame: Frame): void {
    this.reserve().set(frame);
  }

  /**
   * The slot of a new newest frame, for the caller to fill before anything else touches the queue:
   * a producer that computes its frame writes it in place instead of copying it in.
   */
  reserve(): Int16Array {
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      this.dropped++;
    }
    const slot = this.slots[(this.head + this.size) % this.capacity] as Int16Array;
    this.size++;
    return slot;
  }

  /** The oldest frame, or undefined when none is waiting. */
  shift(): Frame | undefined {
    if (this.size === 0) return undefined;
    const frame = this.slots[this.head] as Int16Array;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    return frame;
  }

  /** As a leg's stream source: the oldest frame, or silence when none is waiting. */
  next(): Frame {
    return this.shift() ?? SILENT;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}
