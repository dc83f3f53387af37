import { FRAME_MS, FRAME_SAMPLES, type Frame } from "../../media/frame.js";
import { addFrame, mixMinus, sumFrames } from "../../media/mix.js";
import { type Clock, RAN_TO_COMPLETION, type Timer } from "../../time/clock.js";
import type { FrameSource } from "../leg.js";
import { FrameQueue } from "./frame-queue.js";

/** One party's place at the mixer: what it says comes in, its mix-minus goes out. */
export class MixerSeat {
  /** Frames from the party's leg, put in as they arrive. */
  readonly input = new FrameQueue();
  /** Its mix, taken out by its leg's stream one frame per 20 ms. */
  readonly output = new FrameQueue();
  talk = true;
  listen = true;
  /** This tick's input, when it talks. */
  current: Frame | undefined;
}

/** Told each tick's mix as a recording hears it; true when it ran to the end synchronously. */
export type MixListener = (mix: Frame) => boolean;

/**
 * A conference's mixer: every 20 ms on the conference's clock it takes one frame from each seat
 * (silence when none arrived), and gives each listening seat the clipped sum of the others. Beeps
 * go to every listener on top of that. Until the conference is bridged (inProgress) the seats
 * hear the wait audio, not each other. Ticks follow a fixed schedule (tick n at start + 20n), so
 * a late timer catches up instead of drifting.
 */
export class Mixer {
  private readonly seats: MixerSeat[] = [];
  private readonly inputs: Array<Frame | undefined> = [];
  private readonly total = new Int32Array(FRAME_SAMPLES);
  private readonly recorded = new Int16Array(FRAME_SAMPLES);
  private readonly beeps: Array<{ pcm: Int16Array; offset: number }> = [];
  private readonly listeners: MixListener[] = [];
  private bed: FrameSource | undefined;
  private bridged = false;
  private timer: Timer | undefined;
  private origin = 0;
  private ticks = 0;
  private readonly onTimer = () => this.run();

  constructor(private readonly clock: Clock) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Ticks taken since start(). */
  get ticksTaken(): number {
    return this.ticks;
  }

  start(): void {
    if (this.timer) return;
    this.origin = this.clock.now();
    this.ticks = 0;
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  seat(): MixerSeat {
    const seat = new MixerSeat();
    this.seats.push(seat);
    return seat;
  }

  unseat(seat: MixerSeat): void {
    const i = this.seats.indexOf(seat);
    if (i >= 0) this.seats.splice(i, 1);
  }

  /** Bridged: the seats hear each other. Not: they hear the wait audio (or silence). */
  setBridged(bridged: boolean): void {
    this.bridged = bridged;
  }

  setWaitAudio(source: FrameSource | undefined): void {
    this.bed = source;
  }

  /** Plays a clip (a beep) to every listener once, from the next tick. */
  announce(pcm: Int16Array): void {
    this.beeps.push({ pcm, offset: 0 });
  }

  /** The conference recording's tap: each tick's mix of every talker and beep, saturated. */
  onMix(listener: MixListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private schedule(): void {
    const due = this.origin + (this.ticks + 1) * FRAME_MS;
    this.timer = this.clock.setTimeout(this.onTimer, due - this.clock.now());
  }

  private run(): typeof RAN_TO_COMPLETION | undefined {
    let synchronous = true;
    // A late timer runs every tick it owes, so each seat's input and output keep the 20 ms rate.
    while (this.origin + (this.ticks + 1) * FRAME_MS <= this.clock.now()) {
      synchronous = this.tick() && synchronous;
      this.ticks++;
    }
    this.schedule();
    return synchronous ? RAN_TO_COMPLETION : undefined;
  }

  /** One 20 ms step; true when every listener ran synchronously. */
  private tick(): boolean {
    const { seats, inputs, total } = this;
    inputs.length = seats.length;
    for (let i = 0; i < seats.length; i++) {
      const seat = seats[i] as MixerSeat;
      const frame = seat.input.shift();
      seat.current = seat.talk && this.bridged ? frame : undefined;
      inputs[i] = seat.current;
    }
    sumFrames(inputs, total);
    const bedFrame = this.bridged ? undefined : this.bed?.next();
    if (bedFrame) addFrame(total, bedFrame);
    this.addBeeps();
    for (const seat of seats) {
      if (!seat.listen) continue;
      mixMinus(total, seat.current, seat.output.reserve());
    }
    if (this.listeners.length === 0) return true;
    // The recording is the conference as a silent listener hears it: without the wait audio.
    if (bedFrame)
      for (let s = 0; s < FRAME_SAMPLES; s++) total[s] = (total[s] as number) - (bedFrame[s] as number);
    mixMinus(total, undefined, this.recorded);
    let synchronous = true;
    for (const listener of this.listeners) synchronous = listener(this.recorded) && synchronous;
    return synchronous;
  }

  private addBeeps(): void {
    for (let b = this.beeps.length - 1; b >= 0; b--) {
      const beep = this.beeps[b] as { pcm: Int16Array; offset: number };
      const end = Math.min(beep.offset + FRAME_SAMPLES, beep.pcm.length);
      for (let s = beep.offset; s < end; s++)
        this.total[s - beep.offset] = (this.total[s - beep.offset] as number) + (beep.pcm[s] as number);
      beep.offset = end;
      if (beep.offset >= beep.pcm.length) this.beeps.splice(b, 1);
    }
  }
}
