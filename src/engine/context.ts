import type { Logger } from "pino";
import type { PerclCommand } from "../contract/percl/index.js";
import type { CallEndedReason } from "../contract/webhooks.js";
import type { CallDirection, CallStatus } from "../store/types.js";
import type { Clock } from "../time/clock.js";
import type { MediaBus } from "./media-bus.js";
import type { PerclOutcome, WebhookBody } from "./ports.js";
import type { Recorder } from "./recorder.js";
import type { TimelineEvent } from "./timeline.js";

/** The facts every call webhook carries (docs/contract.md §1). */
export interface CallFacts {
  readonly accountId: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly direction: CallDirection;
  readonly parentCallId: string | null;
}

/** Everything a command may do to its call. One per call; commands hold no other references. */
export interface CommandContext {
  readonly facts: CallFacts;
  readonly clock: Clock;
  readonly log: Logger;
  /** Aborted the moment the call ends, from either side. */
  readonly signal: AbortSignal;
  readonly media: MediaBus;
  readonly recorder: Recorder;
  /** Current status, as webhooks report it. */
  status(): CallStatus;
  /** true once the far end hung up. */
  farEndHungUp(): boolean;
  /** Connects the audio path (idempotent): the call becomes inProgress. */
  answer(): Promise<void>;
  play(pcm: Int16Array, signal?: AbortSignal): Promise<void>;
  /** privacyMode: the timeline says digits were sent, not which. */
  sendDigits(digits: string, pauseMs: number, privacyMode?: boolean): Promise<void>;
  speak(text: string, language: string | undefined): Promise<Int16Array>;
  /** Audio for Play: a Belay recordingUrl resolves internally; anything else is fetched. */
  loadAudio(url: string): Promise<Int16Array>;
  /** The public URL of one of this call's recordings. */
  recordingUrl(recordingId: string): string;
  /** A webhook body with the common call fields filled in. */
  webhookBody(requestType: string, extra?: Record<string, unknown>): WebhookBody;
  /**
   * Asks the app for the next PerCL script. `privateFields` of the body are privacyMode input:
   * sent to the app, never stored or logged.
   */
  requestPercl(
    url: string,
    body: WebhookBody,
    privateFields?: readonly string[],
  ): Promise<PerclOutcome<PerclCommand[]>>;
  /** A notification through the durable outbox (its reply is ignored). */
  notify(url: string, body: WebhookBody): Promise<void>;
  emit(event: DistributiveOmit<TimelineEvent, "at">): void;
}

export type CommandResult =
  | { kind: "next" }
  | { kind: "script"; script: PerclCommand[] }
  | { kind: "end"; reason: CallEndedReason; message?: string };

export const NEXT: CommandResult = Object.freeze({ kind: "next" });

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
