import type { DtmfKey } from "./percl/fields.js";

/**
 * Every default Belay applies when an app leaves an attribute out, in one table so the code and
 * the docs cannot drift apart. Parsed PerCL keeps attributes as sent; commands read these for
 * whatever is absent. Each entry says where it comes from: FreeClimb's OpenAPI, FreeClimb's
 * published docs, or "Belay decides" where FreeClimb publishes nothing.
 */
export type BelayDefaults = {
  readonly say: { readonly loop: number };
  readonly play: { readonly loop: number };
  readonly sendDigits: { readonly pauseMs: number; readonly minPauseMs: number; readonly maxPauseMs: number };
  readonly getDigits: {
    readonly initialTimeoutMs: number;
    readonly digitTimeoutMs: number;
    readonly minDigits: number;
    readonly maxDigits: number;
    readonly finishOnKey: DtmfKey | null;
    readonly flushBuffer: boolean;
  };
  readonly recordUtterance: {
    readonly silenceTimeoutMs: number;
    readonly maxLengthSec: number;
    readonly finishOnKey: DtmfKey | null;
    readonly playBeep: boolean;
    readonly autoStart: boolean;
    readonly privacyMode: boolean;
  };
  readonly outDial: { readonly timeoutSec: number };
  readonly createConference: { readonly playBeep: "always"; readonly record: boolean };
  readonly addToConference: {
    readonly talk: boolean;
    readonly listen: boolean;
    readonly dtmfPassThrough: boolean;
    readonly startConfOnEnter: boolean;
    readonly allowCallControl: boolean;
  };
  readonly queue: { readonly maxSize: number; readonly maxSizeLimit: number };
  /** A wait script that ends at once (no audio) is asked again after this much silence, not in a spin. */
  readonly waitScriptRetryMs: number;
  readonly webhookTimeoutMs: number;
  readonly maxRedirects: number;
  readonly privacyRetentionMs: number;
};

export const DEFAULTS: BelayDefaults = Object.freeze({
  // OpenAPI: Say.loop default 1. Play.loop has no published default; it mirrors Say.
  say: Object.freeze({ loop: 1 }),
  play: Object.freeze({ loop: 1 }),
  // OpenAPI: "Valid values are 100-1000 milliseconds and will be adjusted by FreeClimb".
  // Belay decides the default: the fastest valid pace, as dialling an IVR wants.
  sendDigits: Object.freeze({ pauseMs: 100, minPauseMs: 100, maxPauseMs: 1000 }),
  // The OpenAPI publishes no GetDigits defaults. FreeClimb's GetDigits page describes a script with
  // only actionUrl and prompts as "up to 16 digits followed by # with up to 3 seconds between
  // presses": that gives maxDigits, finishOnKey and digitTimeoutMs.
  getDigits: Object.freeze({
    // Belay decides: long enough to hear a prompt's last words and find the keypad.
    initialTimeoutMs: 5000,
    digitTimeoutMs: 3000,
    // Belay decides: no lower bound unless the app asks for one.
    minDigits: 0,
    maxDigits: 16,
    finishOnKey: "#",
    // The OpenAPI describes true as starting from an empty buffer; Belay decides that is the
    // default, so keys pressed during earlier commands never leak into a new collection.
    flushBuffer: true,
  }),
  // docs/contract.md §3, Belay's decision (FreeClimb publishes no defaults).
  recordUtterance: Object.freeze({
    silenceTimeoutMs: 5000,
    maxLengthSec: 60,
    finishOnKey: null,
    playBeep: false,
    autoStart: false,
    privacyMode: false,
  }),
  // FreeClimb's OutDial page: 30 seconds of ringing before the attempt ends noAnswer.
  outDial: Object.freeze({ timeoutSec: 30 }),
  // OpenAPI ConferenceResult: playBeep "Defaults to always"; a conference is recorded only on request.
  createConference: Object.freeze({ playBeep: "always" as const, record: false }),
  // OpenAPI UpdateConferenceParticipantRequest: talk, listen and dtmfPassThrough default to true.
  // startConfOnEnter: Belay decides true, so two participants added plainly hear each other.
  addToConference: Object.freeze({
    talk: true,
    listen: true,
    dtmfPassThrough: true,
    startConfOnEnter: true,
    allowCallControl: false,
  }),
  // OpenAPI QueueRequest / Enqueue: maxSize default 100, at most 1000.
  queue: Object.freeze({ maxSize: 100, maxSizeLimit: 1000 }),
  // Belay decides: FreeClimb publishes nothing on a wait script that plays nothing.
  waitScriptRetryMs: 1000,
  // docs/contract.md §6: one attempt, 10 s for connection and response together.
  webhookTimeoutMs: 10_000,
  // OpenAPI Redirect: at most 256 redirections in a call's lifetime (maxRedirectsError beyond).
  maxRedirects: 256,
  // docs/contract.md §2: a privacyMode recording is downloadable for two minutes, then deleted.
  privacyRetentionMs: 120_000,
});
