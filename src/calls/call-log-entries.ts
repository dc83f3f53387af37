import { newId } from "../contract/ids.js";
import type { TimelineEvent } from "../engine/timeline.js";
import type { CallLogLevel } from "../store/types.js";
import { displayUrl } from "../webhooks/classify.js";

/** One log entry of a call, before it has an absolute time: `at` is ms since the call started. */
export interface CallLogDraft {
  at: number;
  level: CallLogLevel;
  requestId: string | null;
  message: string;
  metadata: Record<string, unknown> | null;
}

/** Call end reasons an app developer must look at: the app, its PerCL or Belay failed the call. */
const ERROR_REASONS = new Set([
  "appInvalidPercl",
  "webhookFailed",
  "webhookInvalidResponse",
  "configErrorNoApplication",
  "configErrorNoVoiceUrl",
  "maxRedirectsError",
  "perclProcessingError",
  "internalError",
]);
/** Ends worth a look that need not be the app's fault. */
const WARNING_REASONS = new Set(["appNoPercl", "maxDuration", "failed"]);

function endLevel(reason: string): CallLogLevel {
  if (ERROR_REASONS.has(reason)) return "error";
  return WARNING_REASONS.has(reason) ? "warning" : "info";
}

/**
 * Turns a call's timeline into its log (docs/api/logs.md): PerCL webhooks with status, URL and
 * latency (errors when they fail), what went wrong (invalid PerCL, unsupported commands, a Play
 * that could not load), recordings stored or lost, and how the call ended.
 *
 * Keys, digits and commands are never logged: they can hold privacyMode input (docs/privacy.md).
 * URLs are logged with any user:password masked. `requestId` ties each webhook to the entries
 * its answer caused, up to the next webhook.
 */
export class CallLogEntries {
  private requestId: string | null = null;
  private lastWebhookError: string | undefined;
  private startedRecording: string | null = null;

  constructor(private readonly newRequestId: () => string = () => newId("RQ")) {}

  next(event: TimelineEvent): CallLogDraft | undefined {
    switch (event.type) {
      case "webhook":
        return this.webhook(event);
      case "error":
        // A failed webhook ends the call with the same message: logged once, with the webhook.
        if (event.message === this.lastWebhookError) {
          this.lastWebhookError = undefined;
          return undefined;
        }
        return this.draft(event.at, "error", event.message, null);
      case "recordingStarted":
        this.startedRecording = event.recordingId;
        return undefined;
      case "recording":
        return this.recording(event);
      case "ended":
        return this.draft(event.at, endLevel(event.reason), `call ended: ${event.status} (${event.reason})`, {
          callStatus: event.status,
          callEndedReason: event.reason,
        });
      default:
        return undefined;
    }
  }

  private webhook(event: Extract<TimelineEvent, { type: "webhook" }>): CallLogDraft {
    this.requestId = this.newRequestId();
    const url = displayUrl(event.url);
    const metadata = {
      requestType: event.requestType,
      url,
      status: event.status,
      latencyMs: event.latencyMs,
    };
    if (event.ok) {
      const message = `${event.requestType} webhook: POST ${url} answered ${event.status} in ${event.latencyMs} ms`;
      this.lastWebhookError = undefined;
      return this.draft(event.at, "info", message, metadata);
    }
    const error = event.error ?? "failed";
    this.lastWebhookError = event.error;
    return this.draft(event.at, "error", `${event.requestType} webhook failed: ${error}`, metadata);
  }

  private recording(event: Extract<TimelineEvent, { type: "recording" }>): CallLogDraft {
    const started = this.startedRecording;
    this.startedRecording = null;
    if (event.recordingId !== null) {
      const message = `recording ${event.recordingId} stored: ${event.durationMs} ms, ${event.sizeBytes} bytes (${event.termReason})`;
      return this.draft(event.at, "info", message, {
        recordingId: event.recordingId,
        durationMs: event.durationMs,
        sizeBytes: event.sizeBytes,
        termReason: event.termReason,
      });
    }
    const message = `RecordUtterance kept no recording (${event.termReason}): no speech was recorded, or the file could not be stored`;
    return this.draft(event.at, "warning", message, { recordingId: started, termReason: event.termReason });
  }

  private draft(
    at: number,
    level: CallLogLevel,
    message: string,
    metadata: Record<string, unknown> | null,
  ): CallLogDraft {
    // An entry before any webhook (a configuration error) gets a request of its own.
    this.requestId ??= this.newRequestId();
    return { at, level, requestId: this.requestId, message, metadata };
  }
}
