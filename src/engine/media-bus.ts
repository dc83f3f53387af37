import type { Frame } from "../media/frame.js";

type FrameHandler = (frame: Frame) => void;
type DigitHandler = (digit: string) => void;

/**
 * Routes the caller's frames and digits to whichever command is listening. Digits that arrive
 * while nobody listens are buffered, for GetDigits with flushBuffer false; caller audio that
 * arrives while nobody listens is dropped (only recording commands keep audio).
 */
export class MediaBus {
  private frameHandler: FrameHandler | undefined;
  private digitHandler: DigitHandler | undefined;
  private buffered = "";

  onFrame(handler: FrameHandler): () => void {
    this.frameHandler = handler;
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

  deliverFrame(frame: Frame): void {
    this.frameHandler?.(frame);
  }

  deliverDigit(digit: string): void {
    if (this.digitHandler) this.digitHandler(digit);
    else this.buffered += digit;
  }
}
