import type { TimelineEvent } from "../engine/timeline.js";
import type { TestRecording } from "./recordings.js";
import type { SentWebhook } from "./webhook-log.js";

/** Everything a virtual call did, for an app's tests to assert on. */
export interface CallResult {
  callId: string;
  /** The final status: `completed`, `failed`, `busy`, `noAnswer`, … */
  status: string;
  /** FreeClimb's callEndedReason: `appHangup`, `farEndHangup`, `webhookFailed`, … */
  callEndedReason: string;
  /** True when the app, its PerCL or Belay failed the call (the reasons `belay call` exits 1 on). */
  failed: boolean;
  /** What went wrong, in one sentence, when the call failed. */
  message?: string;
  /** The call's timeline, as `belay call --json` prints it; `at` is ms since the call started. */
  timeline: TimelineEvent[];
  /** Every webhook sent for the call (and for calls it dialled), in order, with the app's answer. */
  webhooks: SentWebhook[];
  /** Every recording the call made, in order. */
  recordings: TestRecording[];
  /** The text of each Say the call ran, in full, in order (GetDigits prompts not included). */
  said(): string[];
  /** The digits each GetDigits collected, in order, as its getDigits webhook gave them to the app. */
  digitsCollected(): string[];
  /** Whether a webhook's FreeClimb-Signature verifies with the account's signing secret, as an app checks it. */
  webhookVerified(webhook: SentWebhook): boolean;
  /** The webhooks of one requestType, e.g. `webhooksOf("record")`. */
  webhooksOf(requestType: string): SentWebhook[];
}
