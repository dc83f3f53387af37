import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * The event loop's lag: how much later than asked a timer of `resolutionMs` ran. Node's histogram
 * records each whole interval between its samples (an idle loop reads the resolution itself), so
 * the resolution is taken off what it reports.
 */
export class LoopLag {
  private readonly histogram;

  constructor(private readonly resolutionMs: number) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  enable(): void {
    this.histogram.enable();
  }

  disable(): void {
    this.histogram.disable();
  }

  /** The lag at a percentile, in ms. */
  percentileMs(p: number): number {
    return this.lagMs(this.histogram.percentile(p));
  }

  get maxMs(): number {
    return this.lagMs(this.histogram.max);
  }

  private lagMs(intervalNs: number): number {
    return Math.max(0, intervalNs / 1e6 - this.resolutionMs);
  }
}
