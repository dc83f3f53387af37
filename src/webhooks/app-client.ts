/**
 * How Belay talks to a customer's app: PerCL webhooks get one signed attempt (plus the fallback
 * URL), notifications go through the durable outbox. Every request lands in the delivery log;
 * privacyMode input (a target's privateFields) is sent, and logged as null (docs/privacy.md).
 */
import type { Logger } from "pino";
import { DEFAULTS } from "../contract/defaults.js";
import { newId } from "../contract/ids.js";
import type { PerclCommand } from "../contract/percl/index.js";
import { signPayload } from "../contract/signature.js";
import { serializeWebhook } from "../contract/webhooks.js";
import type { AppClient, WebhookTarget } from "../engine/ports.js";
import { BelayError, onceMoreIfDiskFull } from "../errors.js";
import type { WebhookDeliveryRepo } from "../store/types.js";
import type { Clock } from "../time/clock.js";
import { classifyPerclReply, displayUrl, type PerclReply } from "./classify.js";
import type { Resolver } from "./guarded-connector.js";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  type PostResult,
  postWebhook,
  refusalFields,
  webhookDispatcher,
} from "./http-post.js";
import { Outbox, type OutboxTuning } from "./outbox.js";
import { WebhookTargetPolicy } from "./target-policy.js";
import { DEFAULT_USER_AGENT } from "./user-agent.js";

export interface AppClientOptions {
  deliveries: WebhookDeliveryRepo;
  clock: Clock;
  /** The account's active signing secrets, newest first; each adds a v1 to the signature. */
  secretsFor(accountId: string): Promise<readonly string[]>;
  logger: Logger;
  /** Limit on connection plus response for one request (default 10 s). */
  timeoutMs?: number;
  userAgent?: string;
  maxResponseBytes?: number;
  outbox?: OutboxTuning;
  /** Where webhooks may go (docs/operations/webhook-policy.md); the built-in policy otherwise. */
  targetPolicy?: WebhookTargetPolicy;
  /** Host name resolution for webhook targets; the system resolver otherwise. */
  resolve?: Resolver;
  /** Told of every request sent and what came of it (the test kit, src/testing, records them). */
  onExchange?: (exchange: WebhookExchange) => void;
}

/** One webhook request as it went out (signed body and header) and what the app answered. */
export interface WebhookExchange {
  deliveryId: string;
  accountId: string;
  callId: string | null;
  requestType: string;
  url: string;
  body: string;
  /** The FreeClimb-Signature header sent; null when the request could not be signed. */
  signature: string | null;
  result: PostResult;
}

export interface BelayAppClient extends AppClient<PerclCommand[]> {
  /** Starts sending stored notifications, including those left by an earlier process. */
  startOutbox(): void;
  /** Stops scheduling sends and waits for those in flight. */
  stopOutbox(): Promise<void>;
  /** Resolves once no due notification is pending or in flight. */
  drainOutbox(): Promise<void>;
  /** Closes the kept-alive connections to apps; after stopOutbox, when nothing more is sent. */
  close(): Promise<void>;
}

export function createAppClient(options: AppClientOptions): BelayAppClient {
  const { deliveries, clock, logger } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.webhookTimeoutMs;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const dispatcher = webhookDispatcher(options.targetPolicy ?? new WebhookTargetPolicy(), options.resolve);

  /** Signs at send time (so a retry carries a fresh timestamp) and posts. Never rejects. */
  async function signAndPost(
    accountId: string,
    url: string,
    body: string,
    deliveryId: string,
    about: { callId: string | null; requestType: string },
  ): Promise<PostResult> {
    let signature: string;
    try {
      const secrets = await options.secretsFor(accountId);
      signature = signPayload(body, secrets, Math.floor(clock.now() / 1000));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const result: PostResult = {
        ok: false,
        kind: "unreachable",
        status: null,
        errno: null,
        error: `not sent: ${reason}`,
        latencyMs: 0,
      };
      options.onExchange?.({ deliveryId, accountId, ...about, url, body, signature: null, result });
      return result;
    }
    const result = await clock.track(
      postWebhook({ url, body, signature, deliveryId, userAgent, timeoutMs, maxResponseBytes, dispatcher }),
    );
    options.onExchange?.({ deliveryId, accountId, ...about, url, body, signature, result });
    return result;
  }

  async function askOnce(
    target: WebhookTarget,
    url: string,
    body: string,
    logged: { body: string; redacted: boolean },
  ): Promise<PerclReply> {
    const deliveryId = newId("RQ");
    const result = await signAndPost(target.accountId, url, body, deliveryId, {
      callId: target.callId,
      requestType: target.body.requestType,
    });
    const outcome = classifyPerclReply(url, result);
    const answered = result.ok && result.status >= 200 && result.status < 300;
    try {
      await deliveries.create({
        deliveryId,
        accountId: target.accountId,
        callId: target.callId,
        requestType: target.body.requestType,
        url,
        body: logged.body,
        redacted: logged.redacted,
        durable: false,
        state: answered ? "delivered" : "failed",
        attempts: 1,
        nextAttemptAt: null,
        lastStatus: result.status,
        lastError: outcome.ok ? null : outcome.message,
        latencyMs: result.latencyMs,
      });
    } catch (err) {
      // The log is for inspection; losing one row must not end the call.
      logger.error({ err, deliveryId, callId: target.callId }, "could not record a webhook delivery");
    }
    if (outcome.ok) {
      // What was asked and answered, never the body: it may hold privacyMode input.
      logger.debug(
        {
          url: displayUrl(url),
          status: outcome.status,
          requestType: target.body.requestType,
          callId: target.callId,
          deliveryId,
          latencyMs: outcome.latencyMs,
        },
        "PerCL webhook answered",
      );
    } else {
      logger.warn(
        {
          url: displayUrl(url),
          status: outcome.status,
          requestType: target.body.requestType,
          callId: target.callId,
          deliveryId,
          reason: outcome.reason,
          latencyMs: outcome.latencyMs,
          ...refusalFields(result),
        },
        outcome.message,
      );
    }
    return outcome;
  }

  const outbox = new Outbox({
    ...options.outbox,
    deliveries,
    clock,
    logger,
    send: (row) =>
      signAndPost(row.accountId, row.url, row.body, row.deliveryId, {
        callId: row.callId,
        requestType: row.requestType,
      }),
  });

  return {
    async requestPercl(target, requestOptions) {
      const body = serializeWebhook(target.body);
      const logged = loggedBody(target);
      const first = await clock.track(askOnce(target, target.url, body, logged));
      const fallbackUrl = requestOptions?.fallbackUrl;
      if (first.ok || first.reason !== "webhookFailed" || !fallbackUrl) return first;
      const second = await clock.track(askOnce(target, fallbackUrl, body, logged));
      if (second.ok) return second;
      return { ...second, message: `${second.message}, after ${first.message}` };
    },

    async notify(target) {
      if (target.privateFields?.length) {
        // The outbox stores what it resends: privacyMode input would be written to disk.
        throw new BelayError(
          "WEBHOOK_PRIVATE_NOTIFICATION",
          `a ${target.body.requestType} notification cannot carry privacyMode input`,
          { requestType: target.body.requestType, callId: target.callId },
        );
      }
      const now = clock.now();
      const pending = {
        deliveryId: newId("RQ"),
        accountId: target.accountId,
        callId: target.callId,
        requestType: target.body.requestType,
        url: target.url,
        body: serializeWebhook(target.body),
        durable: true,
        state: "pending" as const,
        attempts: 0,
        nextAttemptAt: now,
        lastStatus: null,
        lastError: null,
        latencyMs: null,
      };
      // A notification not stored is never sent: on a full disk it gets a second try.
      const row = await onceMoreIfDiskFull(() => clock.track(deliveries.create(pending)));
      outbox.stored(row);
    },

    startOutbox: () => outbox.start(),
    stopOutbox: () => outbox.stop(),
    drainOutbox: () => outbox.drain(),
    close: () => dispatcher.close(),
  };
}

/**
 * What the delivery log keeps of a PerCL request: the exact body, or, when it carries privacyMode
 * input, the body with those fields null. The value is never written, so no database page, WAL
 * frame or free page can hold it.
 */
function loggedBody(target: WebhookTarget): { body: string; redacted: boolean } {
  const fields = target.privateFields ?? [];
  if (fields.length === 0) return { body: serializeWebhook(target.body), redacted: false };
  const withheld: Record<string, unknown> = { ...target.body };
  for (const field of fields) if (field in withheld) withheld[field] = null;
  return { body: serializeWebhook(withheld), redacted: true };
}
