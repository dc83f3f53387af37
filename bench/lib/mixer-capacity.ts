/**
 * Many conferences at once on Belay's real clock, as a server runs them: each a Mixer with its own
 * RealClock timer, each seat fed and drained by its own 20 ms timer as a leg's is. Measured: how
 * late each tick ran after its due time, ticks run in a later tick's slot, frames dropped, CPU.
 * A sample of the frames the legs took out is checked against an independently computed mix-minus.
 */

import { Mixer, type MixerSeat, SEAT_DELAY_MS } from "../../src/engine/conference/mixer.js";
import { FRAME_MS } from "../../src/media/frame.js";
import { RealClock, type Timer, type TimerCallback } from "../../src/time/clock.js";
import { Lateness, preciseNow } from "./lateness.js";
import { LoopLag } from "./loop-lag.js";
import { runQueueWaitMs } from "./machine-load.js";
import { expectedMix, firstDifference, seatFrame } from "./mix-check.js";

/** A tick's inputs and outputs are kept for checking once in this many ticks of each conference. */
const CHECK_EVERY = 50;

interface CheckedTick {
  tick: number;
  /** What each seat said this tick (undefined: its queue was empty). */
  said: Array<Int16Array | undefined>;
  /** The frame each seat's leg took out for this tick, once it has. */
  heard: Array<Int16Array | undefined>;
}

/**
 * Belay's RealClock for one mixer, timing it: when the mixer's timer fires, the ticks it runs are
 * due at `first + 20 k` (the mixer's fixed schedule), and each one's lateness is noted. On sampled
 * ticks the frame at the head of each seat's queue is noted before the tick takes it.
 */
class TimedMixerClock extends RealClock {
  mixer!: Mixer;
  feeders!: FeederLeg[];
  checked: CheckedTick[] = [];
  /** Due time of tick 0: the mixer asks for its first timer at its start + 20 ms. */
  private firstDue: number | undefined;
  private lastNow = 0;
  private pending: TimerCallback | undefined;
  private readonly fire = () => this.onTimer();

  constructor(private readonly lateness: Lateness) {
    super();
  }

  override now(): number {
    this.lastNow = super.now();
    return this.lastNow;
  }

  override setTimeout(fn: TimerCallback, ms: number): Timer {
    // The mixer asks for `due - now()`; its first due is its start + one frame.
    this.firstDue ??= this.lastNow + ms;
    this.pending = fn;
    return super.setTimeout(this.fire, ms);
  }

  private onTimer(): void {
    const firedAt = preciseNow();
    const before = this.mixer.ticksTaken;
    const sample =
      before % CHECK_EVERY === 0 && this.firstDue !== undefined ? this.noteInputs(before) : undefined;
    this.pending?.();
    const after = this.mixer.ticksTaken;
    const first = this.firstDue as number;
    for (let t = before; t < after; t++) this.lateness.add(firedAt - (first + t * FRAME_MS));
    // One tick and one only took the inputs noted; a catch-up run of several cannot be checked.
    if (sample && after === before + 1) this.checked.push(sample);
  }

  /** When tick k is due on the mixer's fixed schedule (undefined before its first timer). */
  tickDue(k: number): number | undefined {
    return this.firstDue === undefined ? undefined : this.firstDue + k * FRAME_MS;
  }

  private noteInputs(tick: number): CheckedTick {
    const due = this.tickDue(tick) as number;
    const said = this.feeders.map((f) => f.frameFor(due - SEAT_DELAY_MS));
    return { tick, said, heard: said.map(() => undefined) };
  }
}

/**
 * One participant's leg: every 20 ms on its own fixed schedule (from when it joined), one frame of
 * its noise into its seat and one frame of its mix out, as VirtualLeg and the RTP legs do.
 */
class FeederLeg {
  pushed = 0;
  pulled = 0;
  /** Times its mix was not there when its leg came for it. */
  underruns = 0;
  private timer: Timer | undefined;
  private startedAt = 0;
  private readonly onTick = () => this.tick();

  constructor(
    private readonly clock: RealClock,
    private readonly seat: MixerSeat,
    private readonly index: number,
    private readonly conference: TimedMixerClock,
  ) {}

  start(): void {
    this.startedAt = this.clock.now();
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
  }

  /**
   * The frame the mixer takes from this seat for the slot ending at `slotEnd` (the one due in it
   * on this leg's schedule), if it has been put in yet.
   */
  frameFor(slotEnd: number): Int16Array | undefined {
    const k = Math.floor((slotEnd - this.startedAt) / FRAME_MS) - 1;
    return k >= 0 && k < this.pushed ? seatFrame(this.index, k) : undefined;
  }

  private schedule(): void {
    const due = this.startedAt + (this.pushed + 1) * FRAME_MS;
    this.timer = this.clock.setTimeout(this.onTick, due - this.clock.now());
  }

  private tick(): void {
    // Frame k is due at the end of its 20 ms on this leg's schedule, however late the timer ran.
    const due = this.startedAt + (this.pushed + 1) * FRAME_MS;
    this.seat.input.push(seatFrame(this.index, this.pushed++), due);
    // As the RTP sender does, it asks for the frame one packet ahead of when it plays: the mix
    // due in (due − 40, due − 20], made by the mixer's tick at that time.
    const heard = this.seat.output.take(due - FRAME_MS);
    const first = this.conference.tickDue(0);
    if (!heard || first === undefined) this.underruns++;
    else {
      const tick = Math.ceil((due - 2 * FRAME_MS - first) / FRAME_MS + 1e-9);
      if (tick % CHECK_EVERY === 0) {
        const sample = this.conference.checked.find((c) => c.tick === tick);
        if (sample) sample.heard[this.index] = heard.slice();
      }
      this.pulled++;
    }
    this.schedule();
  }
}

export interface StepResult {
  perConference: number;
  participants: number;
  conferences: number;
  ticks: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
  skippedTicks: number;
  droppedFrames: number;
  /** Ticks that found a seat's input empty (its leg not yet there), per 1000 seat-ticks. */
  inputGapsPerMille: number;
  /** Legs that came for a frame of mix before it was made, per 1000 pulls. */
  underrunsPerMille: number;
  loopLagP99Ms: number;
  cpuPctOfCore: number;
  /** Share of the step this process's main thread was ready to run but waiting for a CPU (Linux schedstat). */
  waitedForCpuPct: number;
  /** CPU of everything (mixers, legs' timers, GC) per participant per frame, on the real clock. */
  usPerParticipantFrame: number;
  checkedFrames: number;
  problems: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `participants` / `perConference` conferences of `perConference` seats each, started spread over
 * one frame (conferences start whenever their callers arrive), run for `warmupMs` unmeasured and
 * then `measureMs` measured.
 */
export async function runStep(
  perConference: number,
  participants: number,
  warmupMs: number,
  measureMs: number,
): Promise<StepResult> {
  const lateness = new Lateness();
  const legClock = new RealClock();
  const conferences = Math.round(participants / perConference);
  const all = Array.from({ length: conferences }, () => {
    const clock = new TimedMixerClock(lateness);
    const mixer = new Mixer(clock);
    const seats = Array.from({ length: perConference }, () => mixer.seat());
    const feeders = seats.map((seat, j) => new FeederLeg(legClock, seat, j, clock));
    clock.mixer = mixer;
    clock.feeders = feeders;
    mixer.setBridged(true);
    return { clock, mixer, seats, feeders };
  });
  // Each conference and each of its legs at its own phase within the frame, as calls that joined
  // at different moments are.
  const starts = all.map(
    (c, i) =>
      new Promise<void>((resolve) =>
        setTimeout(
          () => {
            c.mixer.start();
            for (const [j, f] of c.feeders.entries()) setTimeout(() => f.start(), (j * 7) % FRAME_MS);
            resolve();
          },
          (i * FRAME_MS) / conferences,
        ),
      ),
  );
  await Promise.all(starts);
  await sleep(warmupMs);

  const loop = new LoopLag(10);
  const gapsBefore = countGaps(all);
  const dropsBefore = countDrops(all);
  const pullsBefore = countPulls(all);
  lateness.recording = true;
  loop.enable();
  const waitedBefore = await runQueueWaitMs();
  const cpu = process.cpuUsage();
  const from = performance.now();
  await sleep(measureMs);
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - from;
  const waitedMs = (await runQueueWaitMs()) - waitedBefore;
  loop.disable();
  lateness.recording = false;
  const gaps = countGaps(all) - gapsBefore;
  const drops = countDrops(all) - dropsBefore;
  const pulls = countPulls(all);
  for (const c of all) c.mixer.stop();
  // The legs run one more frame so the last checked ticks' mixes are taken out.
  await sleep(3 * FRAME_MS);
  for (const c of all) for (const f of c.feeders) f.stop();

  const problems: string[] = [];
  let checkedFrames = 0;
  for (const [ci, c] of all.entries()) {
    for (const sample of c.clock.checked) {
      for (let i = 0; i < perConference; i++) {
        const heard = sample.heard[i];
        if (!heard) continue;
        checkedFrames++;
        const at = firstDifference(heard, expectedMix(sample.said, i));
        if (at >= 0)
          problems.push(
            `conference ${ci} seat ${i} tick ${sample.tick}: its leg heard something else than the mix-minus (sample ${at})`,
          );
      }
    }
  }
  const ticks = lateness.count;
  const minimumChecked = Math.floor(ticks / CHECK_EVERY / 2) * perConference;
  // Catch-up runs (ticks 20 ms late) cannot be checked; without them, at least half the samples must be.
  if (lateness.skipped === 0 && checkedFrames < minimumChecked)
    problems.push(`only ${checkedFrames} frames were checked (at least ${minimumChecked} expected)`);
  const seatTicks = ticks * perConference;
  const frames = pulls.pulled - pullsBefore.pulled + (pulls.underruns - pullsBefore.underruns);
  return {
    perConference,
    participants: conferences * perConference,
    conferences,
    ticks,
    latenessP50Ms: lateness.percentile(50),
    latenessP99Ms: lateness.percentile(99),
    latenessMaxMs: lateness.max,
    skippedTicks: lateness.skipped,
    droppedFrames: drops,
    inputGapsPerMille: seatTicks ? (1000 * gaps) / seatTicks : 0,
    underrunsPerMille: frames ? (1000 * (pulls.underruns - pullsBefore.underruns)) / frames : 0,
    loopLagP99Ms: loop.percentileMs(99),
    cpuPctOfCore: (100 * (used.user + used.system)) / 1000 / wallMs,
    waitedForCpuPct: (100 * waitedMs) / wallMs,
    // Per frame actually mixed: a process that fell behind has mixed fewer than the wall clock owed.
    usPerParticipantFrame: ticks ? (used.user + used.system) / (ticks * perConference) : 0,
    checkedFrames,
    problems,
  };
}

type Conf = { mixer: Mixer; seats: MixerSeat[]; feeders: FeederLeg[] };

/** Seat-ticks that found no input: frames pushed minus frames still queued or dropped, against ticks. */
function countGaps(all: Conf[]): number {
  let gaps = 0;
  for (const c of all)
    for (const [j, seat] of c.seats.entries()) {
      const taken = (c.feeders[j] as FeederLeg).pushed - seat.input.length - seat.input.dropped;
      gaps += c.mixer.ticksTaken - taken;
    }
  return gaps;
}

function countPulls(all: Conf[]): { pulled: number; underruns: number } {
  let pulled = 0;
  let underruns = 0;
  for (const c of all)
    for (const f of c.feeders) {
      pulled += f.pulled;
      underruns += f.underruns;
    }
  return { pulled, underruns };
}

function countDrops(all: Conf[]): number {
  let dropped = 0;
  for (const c of all) for (const seat of c.seats) dropped += seat.input.dropped + seat.output.dropped;
  return dropped;
}
