/**
 * The conference mixer's work alone: one Mixer with N seats, driven tick after tick as fast as it
 * goes, through its public interface (seats' queues in and out, its timer on a clock this file
 * drives by hand). Measured: CPU per participant per frame, and what a tick allocates.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { Mixer, type MixerSeat } from "../../src/engine/conference/mixer.js";
import { FRAME_MS, FRAME_SAMPLES } from "../../src/media/frame.js";
import type { Clock, Timer, TimerCallback } from "../../src/time/clock.js";
import { expectedMix, firstDifference, seatFrame } from "./mix-check.js";

const NO_TIMER: Timer = { cancel() {} };

/**
 * A clock whose time moves only when told: the mixer's one pending timer is kept and fired by
 * `step`, so ticks run back to back with nothing of Node's timers in between. Returns a shared
 * Timer so the harness itself allocates nothing per tick.
 */
class SteppedClock implements Clock {
  private at = 1_000_000;
  private pending: TimerCallback | undefined;
  now(): number {
    return this.at;
  }
  setTimeout(fn: TimerCallback): Timer {
    this.pending = fn;
    return NO_TIMER;
  }
  sleep(): Promise<boolean> {
    throw new Error("the mixer does not sleep");
  }
  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }
  advanceWithin(): boolean {
    return false;
  }
  /** One frame later, and the mixer's timer fires. */
  step(): void {
    this.at += FRAME_MS;
    const fn = this.pending;
    this.pending = undefined;
    fn?.();
  }
}

export interface MicroResult {
  participants: number;
  ticks: number;
  /** CPU of the whole loop (frames into the seats, the tick, frames out) per participant per frame. */
  usPerParticipantFrame: number;
  /** The same sum and mix-minus on plain arrays, no queues or seats: the arithmetic's floor. */
  bareUsPerParticipantFrame: number;
  /** Median over the rounds of the mixer's cost over the bare arithmetic's in the same round. */
  costVsBare: number;
  /** Garbage collections that ran during the measured ticks. */
  gcs: number;
  /** Heap growth over the measured ticks (no GC ran meanwhile when gcs is 0), per tick. */
  heapBytesPerTick: number;
  checkedFrames: number;
  problems: string[];
}

const CHECK_EVERY = 997;
const ROUNDS = 7;

function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc (npm run bench does)");
  gc();
}

/** Ticks one mixer of `n` seats `ticks` times after `warmup` unmeasured ticks; every frame out is counted, a sample checked. */
export async function measureMixer(n: number, ticks: number, warmup: number): Promise<MicroResult> {
  const clock = new SteppedClock();
  const mixer = new Mixer(clock);
  const seats: MixerSeat[] = Array.from({ length: n }, () => mixer.seat());
  mixer.setBridged(true);
  mixer.start();
  const problems: string[] = [];
  // Room for the sampled frames, made before the measured ticks so that keeping them allocates nothing.
  const spare = Array.from({ length: Math.ceil((ticks + ROUNDS) / CHECK_EVERY) + 1 }, () =>
    seats.map(() => new Int16Array(FRAME_SAMPLES)),
  );
  const checked: Array<{ tick: number; heard: Int16Array[] }> = [];
  let frameIndex = 0;
  let missing = 0;

  const loop = (count: number, keep: boolean) => {
    for (let t = 0; t < count; t++, frameIndex++) {
      // Due now: the tick one frame later takes it (the mixer's seat delay).
      for (let j = 0; j < n; j++) (seats[j] as MixerSeat).input.push(seatFrame(j, frameIndex), clock.now());
      clock.step();
      const sample = keep && frameIndex % CHECK_EVERY === 0;
      const heard = sample ? spare[checked.length] : undefined;
      for (let j = 0; j < n; j++) {
        const out = (seats[j] as MixerSeat).output.take(clock.now());
        if (!out) missing++;
        else heard?.[j]?.set(out);
      }
      if (heard) checked.push({ tick: frameIndex, heard });
    }
  };

  loop(warmup, false);
  const bare = new BareMix(n);
  bare.run(warmup);
  const gcTimes: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcTimes.push(e.startTime);
  });
  observer.observe({ entryTypes: ["gc"] });
  forceGc();
  // Rounds of the mixer and the bare arithmetic in turn, so that both see the same moments of a
  // shared machine; medians are reported.
  const perRound = Math.ceil(ticks / ROUNDS);
  const mixerUs: number[] = [];
  const bareUs: number[] = [];
  const heapBefore = process.memoryUsage().heapUsed;
  const from = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    const cpu = process.cpuUsage();
    loop(perRound, true);
    const used = process.cpuUsage(cpu);
    mixerUs.push((used.user + used.system) / (perRound * n));
    bareUs.push(bare.measure(perRound));
  }
  const to = performance.now();
  const heapAfter = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  mixer.stop();
  const measured = perRound * ROUNDS;

  if (missing) problems.push(`N ${n}: ${missing} frames out were missing`);
  if (mixer.ticksTaken !== warmup + measured)
    problems.push(`N ${n}: the mixer took ${mixer.ticksTaken} ticks, not ${warmup + measured}`);
  for (const { tick, heard } of checked) {
    const said = seats.map((_, j) => seatFrame(j, tick));
    for (let i = 0; i < n; i++) {
      const at = firstDifference(heard[i] as Int16Array, expectedMix(said, i));
      if (at >= 0)
        problems.push(`N ${n}: seat ${i} at tick ${tick} differs from its mix-minus at sample ${at}`);
    }
  }
  return {
    participants: n,
    ticks: measured,
    usPerParticipantFrame: median(mixerUs),
    bareUsPerParticipantFrame: median(bareUs),
    costVsBare: median(mixerUs.map((us, r) => us / (bareUs[r] as number))),
    gcs: gcTimes.filter((t) => t >= from && t <= to).length,
    heapBytesPerTick: (heapAfter - heapBefore) / measured,
    checkedFrames: checked.length * n,
    problems,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The mix with none of the mixer around it: sum into 32 bits, then each seat's total − own, clamped. */
class BareMix {
  private readonly total = new Int32Array(FRAME_SAMPLES);
  private readonly outs: Int16Array[];
  private readonly frames: Int16Array[];
  private index = 0;

  constructor(private readonly n: number) {
    this.outs = Array.from({ length: n }, () => new Int16Array(FRAME_SAMPLES));
    this.frames = new Array(n);
  }

  /** CPU µs per participant-frame over `ticks` ticks. */
  measure(ticks: number): number {
    const cpu = process.cpuUsage();
    this.run(ticks);
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / (ticks * this.n);
  }

  run(ticks: number): void {
    const { n, total, outs, frames } = this;
    for (let t = 0; t < ticks; t++, this.index++) {
      for (let j = 0; j < n; j++) frames[j] = seatFrame(j, this.index);
      total.fill(0);
      for (let j = 0; j < n; j++) {
        const f = frames[j] as Int16Array;
        for (let s = 0; s < FRAME_SAMPLES; s++) total[s] = (total[s] as number) + (f[s] as number);
      }
      for (let j = 0; j < n; j++) {
        const f = frames[j] as Int16Array;
        const o = outs[j] as Int16Array;
        for (let s = 0; s < FRAME_SAMPLES; s++) {
          const v = (total[s] as number) - (f[s] as number);
          o[s] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
        }
      }
    }
  }
}
