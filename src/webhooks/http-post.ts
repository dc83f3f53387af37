/**
 * One webhook POST over Node's fetch, with the limits CONTRACT.md section 6 sets: a time limit on
 * connection plus response, and a cap on the response body. Never throws: every way a request can
 * go wrong comes back as a typed failure the caller turns into a callEndedReason or a retry.
 */

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

export async function postWebhook(request: WebhookPost): Promise<PostResult> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  const urlProblem = checkUrl(request.url);
  if (urlProblem) return failure("invalidUrl", null, null, urlProblem, 0);

  let status: number | null = null;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "FreeClimb-Signature": request.signature,
        "User-Agent": request.userAgent,
        "Belay-Delivery-Id": request.deliveryId,
      },
      body: request.body,
      // A redirected POST silently turns into a GET in fetch; an app must give its real URL.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    const bodyText = await readCapped(response, maxBytes);
    if (bodyText === null) {
      return failure("tooLarge", status, null, `sent a response body over ${maxBytes} bytes`, elapsed());
    }
    return { ok: true, status, bodyText, latencyMs: elapsed() };
  } catch (err) {
    if (isTimeout(err)) return failure("timeout", status, null, `timed out after ${timeoutMs} ms`, elapsed());
    const { errno, error } = describeNetworkError(err);
    return failure("unreachable", status, errno, error, elapsed());
  }
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
    return "the URL carries a user name or password, which fetch refuses";
  return null;
}

/** The body as text, or null once it passes `maxBytes` (the rest is not downloaded). */
async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(response.headers.get("content-length"));
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return null;
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString("utf8");
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === "TimeoutError" || errorCause(err)?.name === "TimeoutError");
}

interface SystemErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  syscall?: unknown;
  errors?: unknown;
  cause?: unknown;
}

function errorCause(err: unknown): SystemErrorLike | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const cause = (err as SystemErrorLike).cause;
  return typeof cause === "object" && cause !== null ? (cause as SystemErrorLike) : undefined;
}

/**
 * fetch reports every network problem as `TypeError: fetch failed`; the useful part (syscall and
 * errno) sits in `cause`, or in the first of `cause.errors` when several addresses were tried.
 */
function describeNetworkError(err: unknown): { errno: string | null; error: string } {
  let detail: SystemErrorLike | undefined = errorCause(err) ?? (err as SystemErrorLike);
  if (detail && typeof detail.code !== "string" && Array.isArray(detail.errors) && detail.errors.length > 0) {
    detail = detail.errors[0] as SystemErrorLike;
  }
  const code = typeof detail?.code === "string" ? detail.code : null;
  const syscall = typeof detail?.syscall === "string" ? detail.syscall : null;
  if (code && !code.startsWith("UND_ERR")) {
    return { errno: code, error: syscall ? `${syscall} ${code}` : code };
  }
  const message = detail?.message || (err instanceof Error ? err.message : String(err));
  return { errno: code, error: message };
}
