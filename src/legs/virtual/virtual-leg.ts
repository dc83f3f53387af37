import type { FrameSource, Leg, LegListener } from "../../engine/leg.js";
import { FRAME_MS, FRAME_SAMPLES, SAMPLE_RATE } from "../../media/frame.js";
import { type Clock, RAN_TO_COMPLETION, type Timer } from "../../time/clock.js";
import { type CallerScript, type KeyPress, keyPresses } from "./script.js";

const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
const SILENT_FRAME = new Int16Array(FRAME_SAMPLES);

/** What the virtual caller heard: each played clip with when it started. */
export interface HeardClip {
  atMs: number;
  samples: number;
}

/** One frame a stream sent to the virtual party, and when it started playing (ms since answer). */
export interface HeardFrame {
  atMs: number;
  frame: Int16Array;
}

/** Audio the virtual caller heard before the call was answered (early media), as it reached it. */
export interface EarlyClip {
  /** Clock time the clip started. */
  atClockMs: number;
  /** The samples that reached the caller: the whole clip, or what played before an abort. */
  pcm: Int16Array;
}

export interface VirtualLegOptions {
  /**
   * Keep every streamed frame in `heardFrames` (tests compare them sample by sample). Off by
   * default: a device in a long conference would otherwise hold 16 KB per second.
   */
  keepHeard?: boolean;
}

/**
 * A scripted caller: speaks a WAV, presses keys and hangs up at set times, on whichever clock the
 * call runs. Frame k covers [20k, 20k+20) ms after answer and is delivered at its end; a key
 * pressed inside that window is delivered just before it, so a key beats silence in its frame.
 */
export class VirtualLeg implements Leg {
  readonly kind = "virtual";
  readonly heard: HeardClip[] = [];
  readonly heardDigits: Array<{ digits: string; atMs: number }> = [];
  readonly heardFrames: HeardFrame[] = [];
  /** What early media played while the call rang (kept whole: a test compares it sample by sample). */
  readonly earlyHeard: EarlyClip[] = [];
  /** While streaming: the source one frame is pulled from per frame delivered. */
  private source: FrameSource | undefined;
  private listener: LegListener | undefined;
  private readonly presses: KeyPress[];
  private nextPress = 0;
  private answeredAt = 0;
  private frameIndex = 0;
  private timer: Timer | undefined;
  private ended = false;
  /** ringing → early (earlyMedia) → answered. */
  private phase: "ringing" | "early" | "answered" = "ringing";
  // Bound once: a closure per 20 ms frame is measurable at benchmark rates.
  private readonly onTick = () => this.tick();

  constructor(
    protected readonly clock: Clock,
    private readonly script: CallerScript,
    private readonly options: VirtualLegOptions = {},
  ) {
    this.presses = keyPresses(script);
  }

  /** When the call was answered, on the clock; frame k of the script is delivered 20(k+1) ms later. */
  get answeredAtMs(): number {
    return this.answeredAt;
  }

  listen(listener: LegListener): void {
    this.listener = listener;
  }

  async answer(): Promise<void> {
    if (this.script.answerDelayMs) await this.clock.sleep(this.script.answerDelayMs);
    if (this.ended) return;
    this.phase = "answered";
    this.answeredAt = this.clock.now();
    this.scheduleTick();
  }

  async earlyMedia(): Promise<boolean> {
    if (this.ended || this.phase === "answered") return false;
    this.phase = "early";
    return true;
  }

  async play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    if (this.ended || signal.aborted) return;
    if (this.phase === "early") return this.playEarly(pcm, signal);
    this.heard.push({ atMs: this.sinceAnswer(), samples: pcm.length });
    const frames = Math.ceil(pcm.length / FRAME_SAMPLES);
    await this.clock.sleep(frames * FRAME_MS, signal);
  }

  /** Early media: the caller hears the clip while it rings, up to where an abort cut it short. */
  private async playEarly(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    const atClockMs = this.clock.now();
    const frames = Math.ceil(pcm.length / FRAME_SAMPLES);
    await this.clock.sleep(frames * FRAME_MS, signal);
    const playedFrames = Math.floor((this.clock.now() - atClockMs) / FRAME_MS);
    this.earlyHeard.push({
      atClockMs,
      pcm: pcm.subarray(0, Math.min(pcm.length, playedFrames * FRAME_SAMPLES)),
    });
  }

  /**
   * Pulls one frame per frame the leg delivers, on the same 20 ms schedule: the frame pulled at the
   * end of window k is what the party hears during window k+1.
   */
  async stream(source: FrameSource, signal: AbortSignal): Promise<void> {
    if (this.ended || signal.aborted) return;
    this.source = source;
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    if (this.source === source) this.source = undefined;
  }

  async sendDigits(digits: string, pauseMs: number, signal: AbortSignal): Promise<void> {
    if (this.ended || signal.aborted) return;
    this.heardDigits.push({ digits, atMs: this.sinceAnswer() });
    // Each key sounds for 100 ms (RFC 4733's usual event length), then the pause.
    await this.clock.sleep(digits.length * (100 + pauseMs), signal);
  }

  hangup(): void {
    this.stop();
  }

  private sinceAnswer(): number {
    return this.clock.now() - this.answeredAt;
  }

  private stop(): void {
    this.ended = true;
    this.timer?.cancel();
  }

  private scheduleTick(): void {
    this.timer = this.clock.setTimeout(this.onTick, this.frameDueAt(this.frameIndex) - this.clock.now());
  }

  /** Ran to completion when it only delivered frames that the call took synchronously. */
  private tick(): typeof RAN_TO_COMPLETION | undefined {
    let delivered = this.deliverFrame();
    // While frames run to completion and nothing else is due first, the next one follows in this
    // same callback: what its own timer would have done, without making the timer.
    while (delivered === "ranToCompletion" && this.clock.advanceWithin(this.frameDueAt(this.frameIndex)))
      delivered = this.deliverFrame();
    if (delivered === "ended") return undefined;
    this.scheduleTick();
    return delivered === "ranToCompletion" ? RAN_TO_COMPLETION : undefined;
  }

  /** When frame k is delivered: at the end of its window. */
  private frameDueAt(k: number): number {
    return this.answeredAt + (k + 1) * FRAME_MS;
  }

  /** The next frame, with the keys pressed in its window before it, or the hang-up due by its end. */
  private deliverFrame(): "ranToCompletion" | "held" | "ended" {
    if (this.ended || !this.listener) return "ended";
    const windowEnd = (this.frameIndex + 1) * FRAME_MS;
    const hangupAt = this.script.hangupAtMs;
    if (hangupAt !== undefined && hangupAt < windowEnd - FRAME_MS) {
      this.farEndHangup();
      return "ended";
    }
    let keyPressed = false;
    while (
      this.nextPress < this.presses.length &&
      (this.presses[this.nextPress] as KeyPress).atMs < windowEnd
    ) {
      this.listener.digit((this.presses[this.nextPress++] as KeyPress).key);
      keyPressed = true;
      if (this.ended) return "ended";
    }
    // Due on the leg's schedule, not when a late real-time timer got round to it: a conference
    // seats the frame by this time.
    const taken = this.listener.frame(this.frame(this.frameIndex), this.frameDueAt(this.frameIndex));
    this.frameIndex++;
    if (this.source) this.hear(this.source.next(), windowEnd);
    if (this.ended) return "ended";
    if (hangupAt !== undefined && hangupAt <= windowEnd) {
      this.farEndHangup();
      return "ended";
    }
    return taken && !keyPressed ? "ranToCompletion" : "held";
  }

  private hear(frame: Int16Array, atMs: number): void {
    if (this.options.keepHeard) this.heardFrames.push({ atMs, frame: frame.slice() });
  }

  private farEndHangup(): void {
    this.stop();
    this.listener?.hangup();
  }

  /**
   * Frame k of the caller's audio: the script's PCM where it overlaps, silence elsewhere. A frame
   * wholly inside the audio is a view of it and one wholly outside is the shared silent frame, so
   * most frames cost no allocation (frames are read-only to listeners).
   */
  private frame(k: number): Int16Array {
    const audio = this.script.audio;
    if (!audio) return SILENT_FRAME;
    const offset = k * FRAME_SAMPLES - Math.round((this.script.audioAtMs ?? 0) * SAMPLES_PER_MS);
    const end = offset + FRAME_SAMPLES;
    if (offset >= 0 && end <= audio.length) return audio.subarray(offset, end);
    if (end <= 0 || offset >= audio.length) return SILENT_FRAME;
    const out = new Int16Array(FRAME_SAMPLES);
    out.set(audio.subarray(Math.max(0, offset), end), Math.max(0, -offset));
    return out;
  }
}
