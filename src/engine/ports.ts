/**
 * The engine's view of the outside world. Implementations live elsewhere (src/webhooks,
 * src/store, src/media); the engine imports only these shapes.
 */

/** What Belay sends to an app: a webhook body from src/contract/webhooks.ts. */
export type WebhookBody = { requestType: string; [field: string]: unknown };

export interface WebhookTarget {
  accountId: string;
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
