import type { Frame } from "../media/frame.js";

/**
 * What a leg tells the call. A leg delivers exactly one 20 ms frame per 20 ms of clock time while
 * the call is up (silence when the far end sends nothing), so silence is timed by the clock and a
 * peer that stops sending is silence, never a stall.
 */
export interface LegListener {
  /**
   * Read-only: a leg may hand out views of audio it keeps, or one shared silent frame. Returns
   * true when taking the frame ran to the end synchronously (settled no promise, started no I/O),
   * which lets a virtual leg's simulated clock go straight on to the next frame. `dueAt` is when
   * the frame is due on the leg's schedule (the end of the 20 ms it covers): a leg that hands
   * frames up before that (RTP, once a frame's audio is all there) gives it; omitted, it is now.
   */
  frame(frame: Frame, dueAt?: number): boolean;
  /** A key press, delivered when it starts. */
  digit(digit: string): void;
  /** The far end hung up. Nothing is delivered after this. */
  hangup(): void;
}

/**
 * Frames a leg pulls while it streams: one per 20 ms of the leg's own send schedule (a conference's
 * mix for one participant). Frames are read-only to the leg.
 */
export interface FrameSource {
  /**
   * The next 20 ms frame (160 samples at 8 kHz); a silent frame when there is nothing to send.
   * `dueBy`: a leg that sends on a clock schedule says which frame it wants, as the clock time by
   * which that frame was due from its producer (see RtpSender's stream); others omit it.
   */
  next(dueBy?: number): Frame;
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
  /**
   * Early media: opens the audio path while the call still rings, so play() reaches the far end
   * before answer() (which later completes the call). Idempotent. Resolves true while the path is
   * open and the call unanswered; false when the leg has no early media to give (an outbound leg,
   * a SIP INVITE without an SDP offer), or the call is already answered or over.
   */
  earlyMedia(): Promise<boolean>;
  /** Plays 8 kHz PCM to the far end paced at 20 ms; resolves when done, or early on abort. */
  play(pcm: Int16Array, signal: AbortSignal): Promise<void>;
  /**
   * Sends the source's frames to the far end, one per 20 ms, until `signal` aborts (then it
   * resolves). Digits sent meanwhile (sendDigits) interleave with it; play() waits for it to end.
   */
  stream(source: FrameSource, signal: AbortSignal): Promise<void>;
  /** Sends DTMF to the far end with `pauseMs` between digits; resolves when done or aborted. */
  sendDigits(digits: string, pauseMs: number, signal: AbortSignal): Promise<void>;
  /** Ends the call from Belay's side (answered or not). Idempotent. */
  hangup(): void;
}

/** How an attempt to reach the far end ended. `canceled`: the request's signal aborted first. */
export type DialOutcome =
  | { result: "answered" }
  | { result: "busy" | "noAnswer" | "failed"; message?: string }
  | { result: "canceled" };

export interface DialRequest {
  from: string;
  to: string;
  /** The far end is alerting (SIP 180/183; a virtual callee that rings). At most once. */
  onRinging(): void;
  /** Aborted on ring timeout or a REST cancel: stop alerting (SIP CANCEL) and resolve `canceled`. */
  signal: AbortSignal;
}

/**
 * A leg Belay places: dial() reaches the far end and resolves once it answers (audio flows from
 * then on, as after answer() on an inbound leg) or the attempt ends. The ring timeout is the
 * engine's, on the call's clock, so every kind of leg times out alike; a leg only reports what
 * its far end said. A virtual callee implements it now, a SIP UAC later.
 */
export interface OutboundLeg extends Leg {
  dial(request: DialRequest): Promise<DialOutcome>;
}

export function isOutboundLeg(leg: Leg): leg is OutboundLeg {
  return typeof (leg as Partial<OutboundLeg>).dial === "function";
}
