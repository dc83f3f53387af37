import type { Frame } from "../media/frame.js";

/**
 * What a leg tells the call. A leg delivers exactly one 20 ms frame per 20 ms of clock time while
 * the call is up (silence when the far end sends nothing), so silence is timed by the clock and a
 * peer that stops sending is silence, never a stall.
 */
export interface LegListener {
  frame(frame: Frame): void;
  /** A key press, delivered when it starts. */
  digit(digit: string): void;
  /** The far end hung up. Nothing is delivered after this. */
  hangup(): void;
}

/**
 * One party's media and signalling. The SIP/RTP leg and the virtual leg implement it; the engine
 * never knows which one it has.
 */
export interface Leg {
  /** Human-readable kind for logs, e.g. "virtual" or "sip". */
  readonly kind: string;
  /** Called once when the call starts: a hang-up may come before the call is answered. */
  listen(listener: LegListener): void;
  /** Connects the call's audio path; frames and digits flow from then on. */
  answer(): Promise<void>;
  /** Plays 8 kHz PCM to the far end paced at 20 ms; resolves when done, or early on abort. */
  play(pcm: Int16Array, signal: AbortSignal): Promise<void>;
  /** Sends DTMF to the far end with `pauseMs` between digits; resolves when done or aborted. */
  sendDigits(digits: string, pauseMs: number, signal: AbortSignal): Promise<void>;
  /** Ends the call from Belay's side (answered or not). Idempotent. */
  hangup(): void;
}
