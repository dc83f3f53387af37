/**
 * One webhook POST over undici with kept-alive connections, with the limits docs/contract.md §6
 * sets: a time limit on connection plus response, and a cap on the response body; every
 * connection is made through the webhook target policy (guarded-connector.ts). Never throws:
 * every way a request can go wrong comes back as a typed failure the caller turns into a
 * callEndedReason or a retry. (undici's own request API, not fetch, which costs several times the
 * CPU per request, nor node:http, which costs about twice: a call sends a few webhooks.)
 */

import diagnosticsChannel from "node:diagnostics_channel";
import { Agent, type Dispatcher, errors } from "undici";
import { DEFAULTS } from "../contract/defaults.js";
import { guardedConnector, type Resolver, WebhookTargetRefused } from "./guarded-connector.js";
import { WebhookTargetPolicy } from "./target-policy.js";

export const DEFAULT_TIMEOUT_MS = DEFAULTS.webhookTimeoutMs;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface WebhookPost {
  url: string;
  /** The exact bytes that were signed. */
  body: string;
  signature: string;
  deliveryId: string;
  userAgent: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Where the request goes out: a webhookDispatcher with Belay's policy (default: the built-in policy). */
  dispatcher?: Dispatcher;
}

export type PostFailureKind = "unreachable" | "timeout" | "tooLarge" | "invalidUrl" | "refused";

export type PostResult =
  | { ok: true; status: number; bodyText: string; latencyMs: number }
  | {
      ok: false;
      kind: PostFailureKind;
      /** Set when the app answered before things went wrong (tooLarge). */
      status: number | null;
      /** The system error code when there is one (ECONNREFUSED, ENOTFOUND, ECONNRESET…). */
      errno: string | null;
      /** What went wrong, without the URL: "connect ECONNREFUSED", "timed out after 10000 ms". */
      error: string;
      latencyMs: number;
      /** Set when the webhook target policy refused the address (kind "refused"). */
      refused?: { address: string; port: number; rule: string };
    };

/**
 * The connections webhooks go out on, every one made through the webhook target policy. Apps
 * answer webhook after webhook: reusing their connections saves a TCP handshake each time.
 * undici's own time limits are off: the one limit below covers connecting and the whole response.
 */
export function webhookDispatcher(policy: WebhookTargetPolicy, resolve?: Resolver): Agent {
  return new Agent({
    connections: 256,
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: guardedConnector(policy, resolve),
  });
}

const DEFAULT_DISPATCHER = webhookDispatcher(new WebhookTargetPolicy());

const DELIVERY_ID_HEADER = "Belay-Delivery-Id";
const DELIVERY_ID_LINE = `\r\n${DELIVERY_ID_HEADER}: `;
/**
 * Deliveries whose attempt in flight went out on a connection that had carried a request before.
 * A reset of such a connection reaches us as the bare system error, with nothing to say it was
 * reused, so undici's diagnostics channel tells it as the request is sent.
 */
const sentOnReusedConnection = new Set<string>();
const usedConnections = new WeakSet<object>();
diagnosticsChannel.subscribe("undici:client:sendHeaders", (message) => {
  const { socket, headers } = message as { socket: object; headers: string };
  const reused = usedConnections.has(socket);
  usedConnections.add(socket);
  if (!reused) return;
  // Other undici users in the process (fetch) send without the header, and are left alone.
  const start = headers.indexOf(DELIVERY_ID_LINE);
  if (start < 0) return;
  const from = start + DELIVERY_ID_LINE.length;
  sentOnReusedConnection.add(headers.slice(from, headers.indexOf("\r\n", from)));
});

export async function postWebhook(request: WebhookPost): Promise<PostResult> {
  const target = parseTarget(request.url);
  if (typeof target === "string") return failure("invalidUrl", null, null, target, 0);
  const started = performance.now();
  const first = await attempt(request, target, started);
  if (first !== STALE_CONNECTION) return first;
  // A kept-alive connection the app closed as we reused it fails before the app answered
  // anything: sending once more takes another connection.
  const second = await attempt(request, target, started);
  if (second !== STALE_CONNECTION) return second;
  const latencyMs = Math.round(performance.now() - started);
  return failure("unreachable", null, "ECONNRESET", "the app closed the connection twice", latencyMs);
}

const STALE_CONNECTION = Symbol("stale connection");

interface Target {
  origin: string;
  path: string;
}

async function attempt(
  request: WebhookPost,
  target: Target,
  started: number,
): Promise<PostResult | typeof STALE_CONNECTION> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const elapsed = () => Math.round(performance.now() - started);
  // One limit for connecting, sending and the whole response, as a real timer: the clock is held
  // still meanwhile (clock.track), so simulated time could never reach it.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), Math.max(0, timeoutMs - (performance.now() - started)));
  let status: number | null = null;
  const timedOut = () => failure("timeout", status, null, `timed out after ${timeoutMs} ms`, elapsed());
  try {
    const response = await (request.dispatcher ?? DEFAULT_DISPATCHER).request({
      origin: target.origin,
      path: target.path,
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "FreeClimb-Signature": request.signature,
        "User-Agent": request.userAgent,
        [DELIVERY_ID_HEADER]: request.deliveryId,
      },
      body: request.body,
      signal: abort.signal,
    });
    status = response.statusCode;
    const tooLarge = () => {
      response.body.destroy();
      return failure("tooLarge", status, null, `sent a response body over ${maxBytes} bytes`, elapsed());
    };
    if (Number(response.headers["content-length"]) > maxBytes) return tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) return tooLarge();
      chunks.push(chunk);
    }
    return {
      ok: true,
      status,
      bodyText: Buffer.concat(chunks, total).toString("utf8"),
      latencyMs: elapsed(),
    };
  } catch (err) {
    if (abort.signal.aborted) return timedOut();
    if (err instanceof WebhookTargetRefused) {
      const { address, port, rule } = err.verdict;
      const refused = { address, port, rule };
      return {
        ok: false,
        kind: "refused",
        status: null,
        errno: null,
        error: err.message,
        latencyMs: elapsed(),
        refused,
      };
    }
    if (status === null && sentOnReusedConnection.has(request.deliveryId) && closedByTheApp(err))
      return STALE_CONNECTION;
    return unreachable(err, status, elapsed());
  } finally {
    clearTimeout(timer);
    sentOnReusedConnection.delete(request.deliveryId);
  }
}

/**
 * The app closed the connection under the request, cleanly (undici's SocketError) or with a
 * reset: on a reused connection, the race between its keep-alive timer and our reuse. On a fresh
 * connection the same is a real failure, not sent again.
 */
function closedByTheApp(err: unknown): boolean {
  if (err instanceof errors.SocketError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE";
}

function unreachable(err: unknown, status: number | null, latencyMs: number): PostResult {
  const { errno, error } = describeNetworkError(err);
  return failure("unreachable", status, errno, error, latencyMs);
}

function failure(
  kind: PostFailureKind,
  status: number | null,
  errno: string | null,
  error: string,
  latencyMs: number,
): PostResult {
  return { ok: false, kind, status, errno, error, latencyMs };
}

/** Log fields naming the policy, the address and the rule when the target policy refused a webhook. */
export function refusalFields(result: PostResult): Record<string, unknown> {
  if (result.ok || !result.refused) return {};
  const { address, port, rule } = result.refused;
  return { policy: "webhook target policy", address, port, rule };
}

/** Where to send `url`, or why it cannot be posted to. */
function parseTarget(url: string): Target | string {
  const parsed = URL.parse(url);
  if (parsed === null) return "the URL is not absolute";
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return `${parsed.protocol} is not http or https`;
  if (parsed.username || parsed.password)
    return "the URL carries a user name or password: Belay does not send credentials in webhook URLs";
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

interface SystemErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  syscall?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** A system error's syscall and errno ("connect ECONNREFUSED"), or its message. */
function describeNetworkError(err: unknown): { errno: string | null; error: string } {
  let detail = err as SystemErrorLike | undefined;
  // Several addresses tried (localhost → ::1 and 127.0.0.1): an AggregateError holds each.
  if (detail && typeof detail.code !== "string" && Array.isArray(detail.errors) && detail.errors.length > 0) {
    detail = detail.errors[0] as SystemErrorLike;
  }
  const code = typeof detail?.code === "string" ? detail.code : null;
  const syscall = typeof detail?.syscall === "string" ? detail.syscall : null;
  if (code) return { errno: code, error: syscall ? `${syscall} ${code}` : code };
  return { errno: null, error: detail?.message || String(err) };
}
