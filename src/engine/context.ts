import type { Logger } from "pino";
import type { PerclCommand } from "../contract/percl/index.js";
import type { CallEndedReason, CallFields, Webhook, WebhookExtra, WebhookOf } from "../contract/webhooks.js";
import type { CallDirection, CallStatus } from "../store/types.js";
import type { Clock } from "../time/clock.js";
import type { Conference } from "./conference/conference.js";
import type { Participant } from "./conference/participant.js";
import type { ConferenceRegistry } from "./conference/registry.js";
import type { Hold } from "./hold.js";
import type { FrameSource } from "./leg.js";
import type { MediaBus } from "./media-bus.js";
import type { PerclOutcome, WebhookBody } from "./ports.js";
import type { QueueRegistry } from "./queue/registry.js";
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

/** The conference a call is in, and its place there. */
export interface Membership {
  readonly conference: Conference;
  readonly participant: Participant;
}

/** What OutDial asks for: the new call's ends, where its PerCL comes from, how long it rings. */
export interface ChildCallRequest {
  from: string;
  to: string;
  callConnectUrl: string;
  statusCallbackUrl: string | null;
  timeoutMs: number;
  sendDigits?: string;
  /** OutDial privacyMode: the new call's timeline withholds its sendDigits. */
  privacyMode?: boolean;
  /** OutDial ifMachine: answering-machine detection once the new call answers. */
  machine?: { ifMachine: "redirect" | "hangup"; ifMachineUrl: string | null };
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
  /**
   * PlayEarlyMedia: opens the audio path while the call still rings (play() then reaches the
   * caller unanswered). Only for the first command of an inbound call's first script; otherwise,
   * or when the leg has no early media to give, `reason` says why not.
   */
  earlyMedia(): Promise<EarlyMediaOutcome>;
  /** Streams frames to the caller (a conference's mix) until `signal` aborts. */
  stream(source: FrameSource, signal: AbortSignal): Promise<void>;
  /**
   * StartRecordCall: records the call from now to its end, said and heard mixed (1 channel) or
   * side by side (2); its fields go in the callStatus webhook. False if one already runs.
   */
  recordCall(channels: 1 | 2): Promise<boolean>;
  /** The live conferences (CreateConference, AddToConference, …). */
  readonly conferences: ConferenceRegistry;
  /** The conference the call is in right now; webhooks carry its id as conferenceId. */
  membership(): Membership | undefined;
  setMembership(membership: Membership | undefined): void;
  /** The call queues (Enqueue, Dequeue). */
  readonly queues: QueueRegistry;
  /** Where the call waits right now (a queue, or parked); webhooks carry its queueId. */
  hold(): Hold | undefined;
  setHold(hold: Hold | undefined): void;
  /** OutDial: places a call with this one as its parent; resolves with its id once it exists. */
  dialOut(request: ChildCallRequest): Promise<string>;
  /** privacyMode: the timeline says digits were sent, not which. */
  sendDigits(digits: string, pauseMs: number, privacyMode?: boolean): Promise<void>;
  speak(text: string, language: string | undefined): Promise<Int16Array>;
  /**
   * Starts synthesising every Say of a script about to run, and waits for the one it opens with,
   * as the call's own scripts do (a wait script's too, so its Says start on time in real time).
   */
  prepareAudio(script: readonly PerclCommand[]): Promise<void>;
  /** Audio for Play: a Belay recordingUrl resolves internally; anything else is fetched. */
  loadAudio(url: string): Promise<Int16Array>;
  /** The public URL of one of this call's recordings. */
  recordingUrl(recordingId: string): string;
  /** A webhook body: the call fields as they are now, and what this webhook adds (typed by its schema). */
  webhookBody<T extends CallWebhookType>(requestType: T, ...extra: ExtraArgs<T>): WebhookOf<T>;
  /** The call fields as they are now (a conference's webhooks carry those of the call that caused them). */
  callFields(): CallFields;
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

export type EarlyMediaOutcome = { ok: true } | { ok: false; reason: string };

export type CommandResult =
  | { kind: "next" }
  | { kind: "script"; script: PerclCommand[] }
  | { kind: "end"; reason: CallEndedReason; message?: string };

export const NEXT: CommandResult = Object.freeze({ kind: "next" });

/** The webhooks a call sends about itself (a conference's own are built by the conference). */
export type CallWebhookType = Exclude<
  Webhook["requestType"],
  "conferenceStatus" | "conferenceRecordingStatus"
>;

/** A webhook's extra fields: optional when it adds none that are required. */
export type ExtraArgs<T extends CallWebhookType> =
  Record<string, never> extends WebhookExtra<T> ? [extra?: WebhookExtra<T>] : [extra: WebhookExtra<T>];

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
