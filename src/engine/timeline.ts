import type { CallDirection, CallStatus } from "../store/types.js";

/**
 * A call's story as it happens: what `belay call` prints and what tests assert on.
 * `at` is milliseconds since the call started, on the call's clock.
 */
export type TimelineEvent =
  | { type: "started"; at: number; callId: string; from: string; to: string; direction: CallDirection }
  | { type: "status"; at: number; status: CallStatus }
  | {
      type: "webhook";
      at: number;
      requestType: string;
      url: string;
      ok: boolean;
      status: number | null;
      latencyMs: number;
      error?: string;
    }
  | { type: "notification"; at: number; requestType: string; url: string }
  | { type: "command"; at: number; index: number; name: string; detail?: string }
  | { type: "digit"; at: number; digit: string }
  | { type: "sentDigits"; at: number; digits: string }
  | { type: "recordingStarted"; at: number; recordingId: string }
  | {
      type: "recording";
      at: number;
      recordingId: string | null;
      recordingUrl: string | null;
      sizeBytes: number;
      durationSec: number;
      durationMs: number;
      termReason: string;
    }
  | { type: "getDigits"; at: number; digits: string; reason: string }
  | { type: "error"; at: number; message: string }
  | { type: "ended"; at: number; status: CallStatus; reason: string };

export type TimelineListener = (event: TimelineEvent) => void;
