/**
 * Turns the app's answer to a PerCL webhook into the outcome the engine acts on, named after the
 * callEndedReason it causes (docs/contract.md §4), with one sentence a developer can act on.
 */
import { type PerclCommand, parsePercl } from "../contract/percl/index.js";
import type { PerclOutcome } from "../engine/ports.js";
import type { PostResult } from "./http-post.js";

export type PerclReply = PerclOutcome<PerclCommand[]>;

export function classifyPerclReply(url: string, result: PostResult): PerclReply {
  const where = `POST ${displayUrl(url)}`;
  const { latencyMs } = result;

  if (!result.ok) {
    const status = result.status;
    switch (result.kind) {
      case "timeout":
        return fail("webhookFailed", `${where} ${result.error}`, status, latencyMs, url);
      case "tooLarge":
        // An answer Belay will not read is a failed fetch, 2xx or not: the fallback URL is tried.
        return fail(
          "webhookFailed",
          `${where} answered ${status} and ${result.error}`,
          status,
          latencyMs,
          url,
        );
      default:
        return fail("webhookFailed", `${where} failed: ${result.error}`, status, latencyMs, url);
    }
  }

  const { status, bodyText } = result;
  if (!isSuccess(status)) {
    const hint = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
    return fail("webhookFailed", `${where} answered ${status}${hint}`, status, latencyMs, url);
  }

  const text = bodyText.trim();
  if (text === "") {
    return fail(
      "appNoPercl",
      `${where} answered ${status} with an empty body instead of PerCL`,
      status,
      latencyMs,
      url,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return fail(
      "webhookInvalidResponse",
      `${where} answered ${status} with a body that is not JSON (${reason})`,
      status,
      latencyMs,
      url,
    );
  }
  if (value === null || (Array.isArray(value) && value.length === 0)) {
    const what = value === null ? "null" : "an empty array";
    return fail(
      "appNoPercl",
      `${where} answered ${status} with ${what} instead of PerCL`,
      status,
      latencyMs,
      url,
    );
  }

  const parsed = parsePercl(value);
  if (!parsed.ok) {
    return fail(
      "appInvalidPercl",
      `${where} returned invalid PerCL: ${parsed.error.message}`,
      status,
      latencyMs,
      url,
    );
  }
  return { ok: true, script: parsed.script, status, latencyMs, url };
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function fail(
  reason: Exclude<PerclReply, { ok: true }>["reason"],
  message: string,
  status: number | null,
  latencyMs: number,
  url: string,
): PerclReply {
  return { ok: false, reason, message, status, latencyMs, url };
}

/** The URL as shown in messages and logs: any user:password part is masked. */
export function displayUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return url;
  parsed.username = "***";
  parsed.password = "";
  return parsed.toString();
}
