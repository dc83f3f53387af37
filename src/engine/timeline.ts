import type { CallDirection, CallStatus } from "../store/types.js";

/**
 * A call's story as it happens: what `belay call` prints and what tests assert on.
 * `at` is milliseconds since the call started, on the call's clock.
 *
 * The timeline leaves Belay (the virtual-calls API streams it), so it never carries privacyMode
 * input (docs/privacy.md): a key the caller pressed into a privacyMode GetDigits, the digits it
 * collected and privacyMode SendDigits are null. A key pressed while no command listened is
 * reported once a command takes it (or the call ends), with the time it was pressed.
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
  /** digit null: withheld, the key went to a privacyMode GetDigits. */
  | { type: "digit"; at: number; digit: string | null }
  /** digits null: withheld (privacyMode). */
  | { type: "sentDigits"; at: number; digits: string | null }
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
  /** digits null: withheld (privacyMode). */
  | { type: "getDigits"; at: number; digits: string | null; reason: string }
  | { type: "error"; at: number; message: string }
  /** A conference this call created, joined or left. */
  | { type: "conference"; at: number; conferenceId: string; event: "created" | "joined" | "left" }
  /** Park put the call on hold. */
  | { type: "parked"; at: number }
  /** The park ended: how (a webhook's parkResult) and after how many whole seconds. */
  | { type: "unparked"; at: number; parkResult: string; parkTime: number }
  /** A queue this call joined, left (result: why) or was refused by (result: queueFull, systemError). */
  | { type: "queue"; at: number; queueId: string; event: "joined" | "left" | "refused"; result?: string }
  /** OutDial ifMachine: what the detector heard once the new call answered. */
  | {
      type: "machineDetection";
      at: number;
      verdict: "human" | "machine" | "unknown";
      machineType: string | null;
      reason: string;
    }
  /** to null: withheld (OutDial privacyMode). */
  | { type: "outDial"; at: number; dialCallId: string; to: string | null }
  | { type: "ended"; at: number; status: CallStatus; reason: string };

export type TimelineListener = (event: TimelineEvent) => void;
