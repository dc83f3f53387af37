import { FRAME_MS, FRAME_SAMPLES, type Frame, SAMPLE_RATE } from "../media/frame.js";
import type { RecordingRow } from "../store/types.js";
import type { RecordingSink } from "./recorder.js";

const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
const MAX = 32767;
const MIN = -32768;

/** What the party heard: a clip played from `start` (a sample index on the call's clock) until `end`. */
interface HeardClip {
  start: number;
  pcm: Int16Array;
  end: number;
}

/**
 * StartRecordCall's recording: the call from the command to its end, what its party says and what
 * it hears (prompts, a conference's mix) on the call's clock. The party's frames drive it, one per
 * 20 ms while the call is up: each is written with what the party heard over the same 20 ms, summed
 * into one channel, or with tracks "separate" side by side (left: said, right: heard).
 */
export class CallRecording {
  private readonly clips: HeardClip[] = [];
  private readonly streamed: Array<{ start: number; frame: Int16Array }> = [];
  private readonly heard = new Int32Array(FRAME_SAMPLES);
  private readonly out: Int16Array;

  constructor(
    private readonly sink: RecordingSink,
    private readonly channels: 1 | 2,
  ) {
    this.out = new Int16Array(FRAME_SAMPLES * channels);
  }

  get recordingId(): string {
    return this.sink.recordingId;
  }

  /** A clip the party starts hearing at `atMs`; call the result when it stops (ended or cut off). */
  played(pcm: Int16Array, atMs: number): (endAtMs: number) => void {
    const start = Math.round(atMs * SAMPLES_PER_MS);
    const clip = { start, pcm, end: start + pcm.length };
    this.clips.push(clip);
    return (endAtMs) => {
      clip.end = Math.min(clip.end, Math.round(endAtMs * SAMPLES_PER_MS));
    };
  }

  /** A streamed frame (a conference's mix) the party hears from `atMs` for 20 ms. */
  streamedFrame(frame: Frame, atMs: number): void {
    this.streamed.push({ start: Math.round(atMs * SAMPLES_PER_MS), frame: frame.slice() });
  }

  /**
   * The party's frame that ended at `atMs`. True when writing it ran to the end synchronously
   * (no chunk went to the file).
   */
  said(frame: Frame, atMs: number): boolean {
    const from = Math.round((atMs - FRAME_MS) * SAMPLES_PER_MS);
    this.hear(from);
    const { out, heard } = this;
    if (this.channels === 1) {
      for (let i = 0; i < FRAME_SAMPLES; i++) out[i] = clip((frame[i] as number) + (heard[i] as number));
    } else {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        out[2 * i] = frame[i] as number;
        out[2 * i + 1] = clip(heard[i] as number);
      }
    }
    return !this.sink.append(out);
  }

  finish(): Promise<RecordingRow> {
    return this.sink.finish(false);
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }

  /** `heard` = everything the party heard over [from, from + 160), and what is over is let go. */
  private hear(from: number): void {
    const { heard } = this;
    heard.fill(0);
    const to = from + FRAME_SAMPLES;
    for (let c = this.clips.length - 1; c >= 0; c--) {
      const { start, pcm, end } = this.clips[c] as HeardClip;
      const stop = Math.min(end, start + pcm.length, to);
      for (let t = Math.max(from, start); t < stop; t++)
        heard[t - from] = (heard[t - from] as number) + (pcm[t - start] as number);
      if (Math.min(end, start + pcm.length) <= to) this.clips.splice(c, 1);
    }
    for (let f = this.streamed.length - 1; f >= 0; f--) {
      const { start, frame } = this.streamed[f] as { start: number; frame: Int16Array };
      const stop = Math.min(start + FRAME_SAMPLES, to);
      for (let t = Math.max(from, start); t < stop; t++)
        heard[t - from] = (heard[t - from] as number) + (frame[t - start] as number);
      if (start + FRAME_SAMPLES <= to) this.streamed.splice(f, 1);
    }
  }
}

function clip(v: number): number {
  return v > MAX ? MAX : v < MIN ? MIN : v;
}
