/**
 * The engine's view of the outside world. Implementations live elsewhere (src/webhooks,
 * src/store, src/media); the engine imports only these shapes.
 */

import type { Clock } from "../time/clock.js";
import type { OutboundLeg } from "./leg.js";

/** What Belay sends to an app: a webhook body from src/contract/webhooks.ts. */
export type WebhookBody = { requestType: string; [field: string]: unknown };

export interface WebhookTarget {
  accountId: string;
  /**
   * The call the webhook is about, or the conference (CF…) for a conference's own notifications:
   * the outbox delivers the notifications of one id in the order they were queued.
   */
  callId: string | null;
  url: string;
  body: WebhookBody;
  /**
   * Body fields holding privacyMode input (GetDigits `digits`): sent to the app, and nowhere
   * else. Only a PerCL request may have them: a notification is stored to be resent.
   */
  privateFields?: readonly string[];
}

/** Why asking the app for PerCL failed, named as the callEndedReason it causes. */
export type PerclFailureReason =
  | "webhookFailed"
  | "webhookInvalidResponse"
  | "appNoPercl"
  | "appInvalidPercl"
  | "maxRedirectsError";

export type PerclOutcome<Script> =
  | { ok: true; script: Script; status: number; latencyMs: number; url: string }
  | {
      ok: false;
      reason: PerclFailureReason;
      /** One sentence naming what was wrong: URL, status, command, field. */
      message: string;
      status: number | null;
      latencyMs: number;
      url: string;
    };

export interface AppClient<Script> {
  /** One attempt (10 s limit); on webhookFailed tries `fallbackUrl` once if given. */
  requestPercl(
    target: WebhookTarget,
    options?: { fallbackUrl?: string | null },
  ): Promise<PerclOutcome<Script>>;
  /**
   * A notification (callStatus, a record webhook after hang-up): stored in the durable outbox and
   * retried with backoff; the reply is ignored. Resolves once it is safely stored, not delivered.
   */
  notify(target: WebhookTarget): Promise<void>;
}

/** What an OutDial asks for: a leg that reaches `to`. */
export interface DialRequestFor {
  accountId: string;
  /** The new call's id (CA…). */
  callId: string;
  from: string;
  to: string;
  /** The clock the new call runs on: its parent's. */
  clock: Clock;
}

/**
 * Finds the leg for a call Belay places (src/calls: a virtual device, or SIP through
 * --sip-outbound). Never fails: a destination nothing can reach gets a leg whose dial() fails
 * with the reason, so the call ends `failed` as a number that does not exist would.
 */
export interface Dialer {
  outboundLeg(request: DialRequestFor): Promise<OutboundLeg>;
}
