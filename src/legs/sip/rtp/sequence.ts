/**
 * Receive statistics for one audio source, after RFC 3550 appendix A.1 and A.8: extended sequence
 * numbers for loss, a 32-packet window behind the highest sequence number to spot duplicates, and
 * interarrival jitter. A new SSRC (or a sequence restart) folds the old source's counts into the
 * totals, so loss is summed over every source the call heard.
 */

/** Further ahead than this is a restart, not loss (RFC 3550 MAX_DROPOUT). */
const MAX_DROPOUT = 3000;
/** Further behind than this is a restart, not reordering (RFC 3550 MAX_MISORDER). */
const MAX_MISORDER = 100;
const WINDOW = 32;

export type SequenceVerdict = "new" | "duplicate" | "restart";

export class SequenceTracker {
  private active = false;
  private baseExtended = 0;
  private maxExtended = 0;
  private received = 0;
  /** Bit i set: sequence number (max - i) has been seen. */
  private window = 0;
  private expectedBefore = 0;
  private receivedBefore = 0;

  private lastTransit = 0;
  private hasTransit = false;
  /** RFC 3550 jitter in timestamp units, kept as a float (the spec's integer form is a speed trick). */
  private jitterUnits = 0;

  /** Forgets the current source (its counts are kept): the next packet starts a new one. */
  reset(): void {
    this.fold();
    this.active = false;
    this.hasTransit = false;
  }

  /** Accounts for one packet; tells whether it is new, a duplicate, or restarted the sequence. */
  observe(sequence: number): SequenceVerdict {
    if (!this.active) {
      this.start(sequence);
      return "new";
    }
    const maxSeq = this.maxExtended & 0xffff;
    const delta = ((sequence - maxSeq + 0x8000) & 0xffff) - 0x8000;
    if (delta > 0) {
      if (delta > MAX_DROPOUT) {
        this.fold();
        this.start(sequence);
        return "restart";
      }
      this.maxExtended += delta;
      this.window = delta >= WINDOW ? 1 : ((this.window << delta) | 1) >>> 0;
      this.received++;
      return "new";
    }
    const behind = -delta;
    if (behind > MAX_MISORDER) {
      this.fold();
      this.start(sequence);
      return "restart";
    }
    if (behind < WINDOW) {
      const bit = (1 << behind) >>> 0;
      if (this.window & bit) return "duplicate";
      this.window = (this.window | bit) >>> 0;
    }
    // Older than the window is accepted unchecked: without a per-packet map it cannot be told apart.
    if (this.maxExtended - behind < this.baseExtended) this.baseExtended = this.maxExtended - behind;
    this.received++;
    return "new";
  }

  /** RFC 3550 A.8, with arrival time and timestamp both in 8 kHz units. */
  observeTransit(arrivalUnits: number, timestamp: number): void {
    const transit = (arrivalUnits - timestamp) | 0;
    if (this.hasTransit) {
      const d = Math.abs((transit - this.lastTransit) | 0);
      this.jitterUnits += (d - this.jitterUnits) / 16;
    }
    this.lastTransit = transit;
    this.hasTransit = true;
  }

  /** Timestamps jumped: the next transit starts a new baseline rather than counting as jitter. */
  resetTransit(): void {
    this.hasTransit = false;
  }

  get packetsLost(): number {
    const expected = this.expectedBefore + (this.active ? this.maxExtended - this.baseExtended + 1 : 0);
    const received = this.receivedBefore + (this.active ? this.received : 0);
    return Math.max(0, expected - received);
  }

  jitterMs(clockRate: number): number {
    return (this.jitterUnits * 1000) / clockRate;
  }

  private start(sequence: number): void {
    this.active = true;
    this.baseExtended = sequence;
    this.maxExtended = sequence;
    this.received = 1;
    this.window = 1;
  }

  private fold(): void {
    if (!this.active) return;
    this.expectedBefore += this.maxExtended - this.baseExtended + 1;
    this.receivedBefore += this.received;
    this.active = false;
  }
}
