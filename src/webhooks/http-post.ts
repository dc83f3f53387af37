/**
 * One webhook POST over node:http(s) with keep-alive connections, with the limits CONTRACT.md
 * section 6 sets: a time limit on connection plus response, and a cap on the response body. Never
 * throws: every way a request can go wrong comes back as a typed failure the caller turns into a
 * callEndedReason or a retry. (Not fetch: it costs several times the CPU per request, and a call
 * sends a few webhooks.)
 */

import http from "node:http";
import https from "node:https";
import { DEFAULTS } from "../contract/defaults.js";

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
}

export type PostFailureKind = "unreachable" | "timeout" | "tooLarge" | "invalidUrl";

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
    };

// Apps answer webhook after webhook: reusing their connections saves a TCP handshake each time.
const AGENTS = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 256 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export async function postWebhook(request: WebhookPost): Promise<PostResult> {
  const urlProblem = checkUrl(request.url);
  if (urlProblem) return failure("invalidUrl", null, null, urlProblem, 0);
  const started = performance.now();
  const first = await attempt(request, started);
  if (first !== STALE_CONNECTION) return first;
  // A kept-alive connection the app closed as we reused it fails before the app saw anything:
  // Node's documented remedy is to send once more, which takes a fresh connection.
  const second = await attempt(request, started);
  if (second !== STALE_CONNECTION) return second;
  const latencyMs = Math.round(performance.now() - started);
  return failure("unreachable", null, "ECONNRESET", "the app closed the connection twice", latencyMs);
}

const STALE_CONNECTION = Symbol("stale connection");

function attempt(request: WebhookPost, started: number): Promise<PostResult | typeof STALE_CONNECTION> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(request.url);
  const body = Buffer.from(request.body, "utf8");

  return new Promise((resolve) => {
    let status: number | null = null;
    let settled = false;
    const settle = (result: PostResult | typeof STALE_CONNECTION) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const transport = url.protocol === "https:" ? https : http;
    const outgoing = transport.request(
      url,
      {
        method: "POST",
        agent: AGENTS[url.protocol as keyof typeof AGENTS],
        headers: {
          "Content-Type": "application/json",
          "Content-Length": body.length,
          "FreeClimb-Signature": request.signature,
          "User-Agent": request.userAgent,
          "Belay-Delivery-Id": request.deliveryId,
        },
      },
      (response) => {
        status = response.statusCode ?? 0;
        const tooLarge = () => {
          outgoing.destroy();
          settle(failure("tooLarge", status, null, `sent a response body over ${maxBytes} bytes`, elapsed()));
        };
        if (Number(response.headers["content-length"]) > maxBytes) return tooLarge();
        const chunks: Buffer[] = [];
        let total = 0;
        response.on("data", (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxBytes) tooLarge();
          else chunks.push(chunk);
        });
        response.on("end", () =>
          settle({
            ok: true,
            status: status as number,
            bodyText: Buffer.concat(chunks, total).toString("utf8"),
            latencyMs: elapsed(),
          }),
        );
        response.on("error", (err) => settle(unreachable(err, status, elapsed())));
      },
    );
    // One limit for connecting, sending and the whole response, as a real timer: the clock is
    // held still meanwhile (clock.track), so simulated time could never reach it.
    const remaining = Math.max(0, timeoutMs - (performance.now() - started));
    const timer = setTimeout(() => {
      settle(failure("timeout", status, null, `timed out after ${timeoutMs} ms`, elapsed()));
      outgoing.destroy();
    }, remaining);
    outgoing.on("error", (err: NodeJS.ErrnoException) => {
      const stale =
        outgoing.reusedSocket && status === null && (err.code === "ECONNRESET" || err.code === "EPIPE");
      settle(stale ? STALE_CONNECTION : unreachable(err, status, elapsed()));
    });
    outgoing.end(body);
  });
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

/** Why `url` cannot be posted to, or null when it can. */
function checkUrl(url: string): string | null {
  if (!URL.canParse(url)) return "the URL is not absolute";
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return `${parsed.protocol} is not http or https`;
  if (parsed.username || parsed.password)
    return "the URL carries a user name or password: Belay does not send credentials in webhook URLs";
  return null;
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
