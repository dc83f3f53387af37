import type { SimulatedClock } from "../../src/time/clock.js";

/**
 * A SimulatedClock that stands still until a test lets it run. A SimulatedClock does not move
 * while tracked I/O is pending, so holding one pending promise stops it: REST requests a test
 * sends then act at one known simulated instant, however long they take in real time, and live
 * calls move only through `runFor`. Real I/O (webhooks, the store) goes on while it is held.
 */
export class HeldClock {
  private release: (() => void) | undefined;

  constructor(readonly clock: SimulatedClock) {
    this.hold();
  }

  now(): number {
    return this.clock.now();
  }

  /** Lets simulated time run `ms` (every timer due by then fires), then holds it again there. */
  runFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.clock.setTimeout(() => {
        this.hold();
        resolve();
      }, ms);
      this.letGo();
    });
  }

  /** Lets time run freely from now on (before shutting down what runs on it). */
  letGo(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  private hold(): void {
    if (this.release) return;
    void this.clock.track(
      new Promise<void>((resolve) => {
        this.release = resolve;
      }),
    );
  }
}
