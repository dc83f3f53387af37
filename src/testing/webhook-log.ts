import type { WebhookExchange } from "../webhooks/app-client.js";

/** One webhook request Belay sent for a call, and the app's answer. */
export interface SentWebhook {
  requestType: string;
  url: string;
  /** The JSON body as sent. */
  body: Record<string, unknown>;
  /** The exact bytes sent and signed. */
  rawBody: string;
  /** The FreeClimb-Signature header; null when the request could not be signed. */
  signature: string | null;
  /** The app's HTTP status; null when it never answered (down, timed out, refused). */
  status: number | null;
  /** Whether the app answered 2xx. */
  ok: boolean;
  /** What went wrong when the request got no answer ("connect ECONNREFUSED", "timed out after 10000 ms"). */
  error?: string;
  latencyMs: number;
  /** The answer's body as text; null when there was none. */
  responseText: string | null;
  /** The answer parsed as PerCL (a JSON array); null when it is not one (notifications, errors). */
  percl: Array<Record<string, unknown>> | null;
  /** Belay's id for the delivery: a notification retried keeps it. */
  deliveryId: string;
}

/** Every webhook exchange Belay reports, kept by call until the kit hands them to a result. */
export class WebhookLog {
  private readonly byCall = new Map<string, SentWebhook[]>();

  record(exchange: WebhookExchange): void {
    if (!exchange.callId) return;
    let list = this.byCall.get(exchange.callId);
    if (!list) {
      list = [];
      this.byCall.set(exchange.callId, list);
    }
    list.push(toSent(exchange));
  }

  /** The call's webhooks in the order they were sent; they leave the log. */
  take(callId: string): SentWebhook[] {
    const list = this.byCall.get(callId) ?? [];
    this.byCall.delete(callId);
    return list;
  }
}

function toSent(exchange: WebhookExchange): SentWebhook {
  const { result } = exchange;
  const responseText = result.ok ? result.bodyText : null;
  return {
    requestType: exchange.requestType,
    url: exchange.url,
    body: JSON.parse(exchange.body) as Record<string, unknown>,
    rawBody: exchange.body,
    signature: exchange.signature,
    status: result.status,
    ok: result.ok && result.status >= 200 && result.status < 300,
    ...(result.ok ? {} : { error: result.error }),
    latencyMs: result.latencyMs,
    responseText,
    percl: perclOf(responseText),
    deliveryId: exchange.deliveryId,
  };
}

function perclOf(text: string | null): Array<Record<string, unknown>> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value as Array<Record<string, unknown>>) : null;
  } catch {
    return null;
  }
}
