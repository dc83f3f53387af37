import { FRAME_MS, type Frame } from "../../media/frame.js";
import { VoiceActivityDetector } from "../../media/vad.js";

export type CaptureEnd = "timeout" | "maxLength";

export interface CaptureOptions {
  silenceTimeoutMs: number;
  maxLengthMs: number;
  autoStart: boolean;
}

// Audio kept from before the detected onset, so the first syllable is not clipped.
export const PRE_ROLL_FRAMES = 200 / FRAME_MS;

/**
 * RecordUtterance's per-frame decisions, free of I/O: which frames belong in the recording, and
 * whether silence or length ends it. Frame k covers [k*20, (k+1)*20) ms from the command's start.
 */
export class UtteranceCapture {
  private readonly vad = new VoiceActivityDetector();
  private readonly preRoll: Frame[] = [];
  private elapsedMs = 0;
  private silentMs = 0;
  private started: boolean;

  constructor(private readonly options: CaptureOptions) {
    this.started = !options.autoStart;
  }

  /** true once audio is being recorded (always, unless autoStart waits for speech). */
  get recording(): boolean {
    return this.started;
  }

  /** Takes one frame; `write` receives the frames to append. Returns how the command ends, if it does. */
  push(frame: Frame, write: (frame: Frame) => void): CaptureEnd | undefined {
    this.elapsedMs += FRAME_MS;
    const speech = this.vad.push(frame);
    if (!this.started) {
      if (speech) {
        this.started = true;
        for (const earlier of this.preRoll) write(earlier);
        this.preRoll.length = 0;
      } else {
        this.preRoll.push(frame);
        if (this.preRoll.length > PRE_ROLL_FRAMES) this.preRoll.shift();
      }
    }
    if (this.started) {
      write(frame);
      // Silence runs from the first quiet frame. The detector's hangover keeps short pauses inside
      // speech, but a pause that goes on to become silence has been silence all along: counting
      // from the end of the hangover would end every recording 240 ms late.
      const voiced = speech && this.vad.lastFrameSpeechLike;
      this.silentMs = voiced ? 0 : this.silentMs + FRAME_MS;
      if (this.silentMs >= this.options.silenceTimeoutMs) return "timeout";
    }
    if (this.elapsedMs >= this.options.maxLengthMs) return "maxLength";
    return undefined;
  }
}
