import type { MediaPlan } from "../../sdp/types.js";
import type { PortRange } from "../ports.js";
import type { RtpStats } from "../types.js";

/**
 * Messages between the main thread and a media worker. Each RTP session lives in one worker and is
 * named by an id the main thread chose; operations that finish later (open, play, digits, drain,
 * close) carry an `op` number answered by a `done`.
 */
export type ToWorker =
  | {
      t: "open";
      id: number;
      op: number;
      host: string;
      portRange: PortRange;
      startAt: number;
      jitterMs: number | undefined;
      logLevel: string;
    }
  | { t: "configure"; id: number; plan: MediaPlan }
  | { t: "start"; id: number }
  | { t: "play"; id: number; op: number; pcm: Int16Array }
  | { t: "stream"; id: number; op: number }
  /**
   * Frames for the worker's streams, pulled on the main thread: `counts[i]` frames for session
   * `ids[i]`, in that order, back to back in `samples`.
   */
  | { t: "streamFrames"; ids: number[]; counts: number[]; samples: Int16Array }
  | { t: "digits"; id: number; op: number; digits: string; pauseMs: number }
  | { t: "abort"; id: number; op: number }
  | { t: "drain"; id: number; op: number }
  | { t: "close"; id: number; op: number };

export type FromWorker =
  | { t: "ready" }
  | { t: "opened"; op: number; port: number }
  /**
   * What a session handed up since the last batch, for every session of the worker, in order.
   * `ops` holds triples (session id, what, dueAt): what ≥ 0 is a key's char code, −1 the next
   * frame of `samples` (160 samples each, back to back).
   */
  | { t: "batch"; ops: Float64Array; samples: Int16Array }
  | { t: "done"; op: number; error?: { code: string; message: string }; stats?: RtpStats }
  /** A session's log line, as pino wrote it in the worker (`level` a pino level number). */
  | { t: "log"; id: number; record: Record<string, unknown> };

/** `what` in a batch for a frame; any other value is a key's char code. */
export const OP_FRAME = -1;
