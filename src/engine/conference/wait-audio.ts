import { FRAME_SAMPLES, type Frame } from "../../media/frame.js";
import type { FrameSource } from "../leg.js";

/** A clip looped frame by frame: a conference's wait audio until it starts. */
export class LoopedAudio implements FrameSource {
  private offset = 0;
  private readonly frame = new Int16Array(FRAME_SAMPLES);

  constructor(private readonly pcm: Int16Array) {}

  next(): Frame {
    const { pcm, frame } = this;
    if (pcm.length === 0) return frame.fill(0);
    for (let s = 0; s < FRAME_SAMPLES; s++) {
      frame[s] = pcm[this.offset] as number;
      this.offset = this.offset + 1 === pcm.length ? 0 : this.offset + 1;
    }
    return frame;
  }
}
