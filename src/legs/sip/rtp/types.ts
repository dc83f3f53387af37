import type { FrameSource } from "../../../engine/leg.js";
import type { Frame } from "../../../media/frame.js";
import type { MediaPlan } from "../sdp/types.js";

export interface FrameHandlers {
  frame(frame: Frame, dueAt: number): void;
  digit(digit: string): void;
  /** The media is gone for good (its worker thread died): nothing more will come. */
  failed?(err: Error): void;
}

/** Counters reported at the end of a call (one log line) and used by the benchmarks. */
export interface RtpStats {
  packetsReceived: number;
  packetsSent: number;
  /** Packets expected from the sequence numbers seen minus those received. */
  packetsLost: number;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
  /** Packets that arrived after their frame had been delivered (played out as silence). */
  late: number;
  /** Dropped: garbage, a third address, absurd sizes, unknown payload types. */
  dropped: number;
}

/**
 * One call's RTP: a UDP socket from the configured port range, symmetric (it sends to where the
 * peer's packets really come from), G.711 and RFC 4733 in both directions.
 *
 * Frames go up on the call's clock, one 20 ms frame of 8 kHz PCM per 20 ms whatever the peer's
 * packet time, silence when nothing arrived: a peer that stops sending is silence, never a stall.
 */
export interface RtpMedia {
  readonly localPort: number;
  /** Applies (or, on re-INVITE, re-applies) the negotiated plan; audio flows once started. */
  configure(plan: MediaPlan): void;
  /** `dueAt`: the clock time the frame is due (frames whose audio is all there go up earlier). */
  start(handlers: FrameHandlers): void;
  /** Plays 8 kHz PCM paced at the plan's packet time from a monotonic clock; resolves when sent, or early on abort. */
  play(pcm: Int16Array, signal: AbortSignal): Promise<void>;
  /**
   * Sends the source's 20 ms frames at the plan's packet time until `signal` aborts; digits sent
   * meanwhile interleave with it, a play waits for its end.
   */
  stream(source: FrameSource, signal: AbortSignal): Promise<void>;
  /** RFC 4733 events for each digit, `pauseMs` apart. */
  sendDigits(digits: string, pauseMs: number, signal: AbortSignal): Promise<void>;
  /**
   * Delivers what the playout buffer still holds (and the digits due with it), resolving once
   * delivered: the far end hung up, and what it said just before its BYE belongs to the call, not
   * to the jitter buffer.
   */
  drain(): Promise<void>;
  /** Stops sending and receiving and frees the ports; resolves with the session's counters. */
  close(): Promise<RtpStats>;
}
