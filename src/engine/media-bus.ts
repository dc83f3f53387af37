import { FRAME_MS, type Frame } from "../media/frame.js";
import type { Clock } from "../time/clock.js";

/**
 * `dueAt`: the clock time the frame is due (the end of the 20 ms it covers), which is now or, for a
 * leg that hands frames up early, later. Returns true when it ran to the end synchronously: no
 * promise settled, no I/O started.
 */
type FrameHandler = (frame: Frame, dueAt: number) => boolean;
type DigitHandler = (digit: string) => void;
/**
 * Told where each key the caller pressed went, once that is known: the key, or null when a
 * privacyMode command took it (its value must not leave the call); `pressedAt` on the clock.
 */
export type KeyWitness = (digit: string | null, pressedAt: number) => void;

export interface DigitListening {
  /** The keys are privacyMode input: the witness hears of them without their value. */
  privacyMode?: boolean;
}

/**
 * Routes the caller's frames and digits to whichever command is listening. Digits that arrive
 * while nobody listens are buffered, for GetDigits with flushBuffer false; caller audio that
 * arrives while nobody listens is dropped (only recording commands keep audio).
 *
 * A frame reaches Belay at the end of the 20 ms it covers. The frame that straddles the moment a
 * handler subscribed goes to whichever side holds most of it: the handler gets it only if less
 * than half of it came before. Real-time timers fire a millisecond or two late, so a command that
 * starts "on" a frame boundary starts just after it; this rule gives such a command the same
 * frames in real time as on the simulated clock, where it starts exactly on the boundary.
 *
 * Which key was pressed is told to the witness only once it is known whether a privacyMode command
 * takes it: at once while a command listens, else when a command takes the buffer or the call ends.
 */
export class MediaBus {
  private frameHandler: FrameHandler | undefined;
  /** Listeners that see every frame, whoever else takes it (StartRecordCall). */
  private readonly taps: FrameHandler[] = [];
  private frameHandlerSince = 0;
  private digitHandler: DigitHandler | undefined;
  private digitsPrivate = false;
  private buffered: Array<{ digit: string; at: number }> = [];

  constructor(
    private readonly clock: Clock,
    private readonly witness: KeyWitness = () => undefined,
  ) {}

  onFrame(handler: FrameHandler): () => void {
    this.frameHandler = handler;
    this.frameHandlerSince = this.clock.now();
    return () => {
      if (this.frameHandler === handler) this.frameHandler = undefined;
    };
  }

  /** Sees every frame the caller sends from now on, alongside whichever command listens. */
  tap(handler: FrameHandler): () => void {
    this.taps.push(handler);
    return () => {
      const i = this.taps.indexOf(handler);
      if (i >= 0) this.taps.splice(i, 1);
    };
  }

  onDigit(handler: DigitHandler, listening: DigitListening = {}): () => void {
    this.digitHandler = handler;
    this.digitsPrivate = listening.privacyMode === true;
    return () => {
      if (this.digitHandler === handler) this.digitHandler = undefined;
    };
  }

  /** Returns and clears the digits pressed while nobody listened. */
  takeBufferedDigits(listening: DigitListening = {}): string {
    const taken = this.buffered;
    this.buffered = [];
    for (const { digit, at } of taken) this.witness(listening.privacyMode ? null : digit, at);
    return taken.map((key) => key.digit).join("");
  }

  /** At the end of the call: keys no command took are told as they are. */
  releaseBufferedDigits(): void {
    this.takeBufferedDigits();
  }

  /** True when the frame was dropped, or taken by a handler that ran to the end synchronously. */
  deliverFrame(frame: Frame, dueAt = this.clock.now()): boolean {
    let synchronous = true;
    for (const tap of this.taps) synchronous = tap(frame, dueAt) && synchronous;
    const frameStart = this.clock.now() - FRAME_MS;
    if (this.frameHandler && frameStart >= this.frameHandlerSince - FRAME_MS / 2)
      return this.frameHandler(frame, dueAt) && synchronous;
    return synchronous;
  }

  deliverDigit(digit: string): void {
    const handler = this.digitHandler;
    if (!handler) {
      this.buffered.push({ digit, at: this.clock.now() });
      return;
    }
    this.witness(this.digitsPrivate ? null : digit, this.clock.now());
    handler(digit);
  }
}
