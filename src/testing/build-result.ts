import { FAILURE_REASONS } from "../cli/call-failures.js";
import type { CallOutcome } from "../engine/call.js";
import type { TimelineEvent } from "../engine/timeline.js";
import type { Belay } from "../server/belay.js";
import { loadRecordings } from "./recordings.js";
import type { CallResult } from "./result.js";
import { saidOn } from "./said.js";
import type { SentWebhook } from "./webhook-log.js";

/** A call's result from how it ended, its timeline and its webhooks; its recordings are downloaded. */
export async function buildResult(
  belay: Belay,
  outcome: CallOutcome,
  timeline: TimelineEvent[],
  webhooks: SentWebhook[],
  verified: (webhook: SentWebhook) => boolean,
): Promise<CallResult> {
  const own = webhooks.filter((sent) => sent.body.callId === outcome.callId);
  const recordings = await loadRecordings(belay, timeline, own);
  return {
    callId: outcome.callId,
    status: outcome.status,
    callEndedReason: outcome.reason,
    failed: FAILURE_REASONS.has(outcome.reason),
    ...(outcome.message ? { message: outcome.message } : {}),
    timeline,
    webhooks,
    recordings,
    said: () => saidOn(timeline, own),
    digitsCollected: () =>
      own.filter((sent) => sent.requestType === "getDigits").map((sent) => String(sent.body.digits)),
    webhooksOf: (requestType) => webhooks.filter((sent) => sent.requestType === requestType),
    webhookVerified: verified,
  };
}
