import type { TimelineEvent } from "../engine/timeline.js";
import type { SentWebhook } from "./webhook-log.js";

/**
 * The text of each Say the call ran, in order, in full (the timeline shortens it). Each PerCL
 * webhook on the timeline is matched to the answer the app gave it; a Say command event then
 * names its index in that script.
 */
export function saidOn(timeline: readonly TimelineEvent[], webhooks: readonly SentWebhook[]): string[] {
  const said: string[] = [];
  let next = 0;
  let script: Array<Record<string, unknown>> | null = null;
  for (const event of timeline) {
    if (event.type === "webhook") {
      // A fallback URL may have been asked after the first: the script is the answer that worked.
      let found = -1;
      for (let i = next; i < webhooks.length; i++) {
        const sent = webhooks[i] as SentWebhook;
        if (sent.requestType !== event.requestType) continue;
        found = i;
        if (sent.url === event.url) break;
      }
      if (found >= 0) {
        script = (webhooks[found] as SentWebhook).percl;
        next = found + 1;
      }
    } else if (event.type === "command" && event.name === "Say") {
      const say = script?.[event.index]?.Say as { text?: unknown } | undefined;
      if (typeof say?.text === "string") said.push(say.text);
    }
  }
  return said;
}
