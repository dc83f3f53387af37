import { FRAME_MS, type Frame } from "../media/frame.js";
import type { Clock } from "./clock.js";

/** Returns true when it ran to the end synchronously: no promise settled, no I/O started. */
type FrameHandler = (frame: Frame) => boolean;
type DigitHandler = (digit: string) => void;

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
 */
export class MediaBus {
  private frameHandler: FrameHandler | undefined;
  private frameHandlerSince = 0;
  private digitHandler: DigitHandler | undefined;
  private buffered = "";

  constructor(private readonly clock: Clock) {}

  onFrame(handler: FrameHandler): () => void {
    this.frameHandler = handler;
    this.frameHandlerSince = this.clock.now();
    return () => {
      if (this.frameHandler === handler) this.frameHandler = undefined;
    };
  }

  onDigit(handler: DigitHandler): () => void {
    this.digitHandler = handler;
    return () => {
      if (this.digitHandler === handler) this.digitHandler = undefined;
    };
  }

  /** Returns and clears the digits pressed while nobody listened. */
  takeBufferedDigits(): string {
    const digits = this.buffered;
    this.buffered = "";
    return digits;
  }

  /** True when the frame was dropped, or taken by a handler that ran to the end synchronously. */
  deliverFrame(frame: Frame): boolean {
    const frameStart = this.clock.now() - FRAME_MS;
    if (this.frameHandler && frameStart >= this.frameHandlerSince - FRAME_MS / 2)
      return this.frameHandler(frame);
    return true;
  }

  deliverDigit(digit: string): void {
    if (this.digitHandler) this.digitHandler(digit);
    else this.buffered += digit;
  }
}
