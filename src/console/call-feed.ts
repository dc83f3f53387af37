import { presentCall } from "../api/present.js";
import type { CallResult } from "../contract/rest.js";
import type { Call } from "../engine/call.js";
import type { Engine } from "../engine/engine.js";
import type { TimelineEvent } from "../engine/timeline.js";
import type { CallStatus } from "../store/types.js";
import { displayUrl } from "../webhooks/classify.js";

/** What the console's live stream carries: a call's current state, or one event of its timeline. */
export type FeedMessage =
  | { type: "call"; call: CallResult }
  | { type: "timeline"; callId: string; seq: number; event: TimelineEvent };

/** A call's timeline as the console keeps it; `seq` numbers events so a page can merge a snapshot with the stream. */
export interface KeptTimeline {
  callId: string;
  accountId: string;
  ended: boolean;
  events: TimelineEvent[];
}

type Subscriber = (message: FeedMessage) => void;

/** Recent calls kept in memory; older ones fall back to their stored log (GET /Calls/{id}/Logs). */
const MAX_CALLS = 500;
/** Events kept per call: a long call with a chatty app must not hold memory without end. */
const MAX_EVENTS = 5_000;

/**
 * Follows every call the engine starts and fans its timeline out to the console pages of the
 * call's own account. The timeline already withholds privacyMode input (engine/timeline.ts), so
 * nothing here needs masking.
 */
export class CallFeed {
  private readonly calls = new Map<string, KeptTimeline>();
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  attach(engine: Engine): void {
    engine.onCall((call) => this.follow(call));
  }

  /** Returns the unsubscribe function. */
  subscribe(accountId: string, subscriber: Subscriber): () => void {
    let set = this.subscribers.get(accountId);
    if (!set) {
      set = new Set();
      this.subscribers.set(accountId, set);
    }
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(accountId);
    };
  }

  /** The kept timeline of one of this account's calls, or undefined (another account's, or forgotten). */
  timeline(accountId: string, callId: string): KeptTimeline | undefined {
    const kept = this.calls.get(callId);
    return kept?.accountId === accountId ? kept : undefined;
  }

  private follow(call: Call): void {
    const { accountId } = call.facts;
    const kept: KeptTimeline = { callId: call.id, accountId, ended: false, events: [] };
    this.calls.set(call.id, kept);
    if (this.calls.size > MAX_CALLS) {
      const oldest = this.calls.keys().next().value;
      if (oldest !== undefined) this.calls.delete(oldest);
    }
    let status: CallStatus | undefined;
    call.onTimeline((emitted) => {
      // A webhook URL's user:password (an app's own Basic credentials) stays masked, as in logs.
      const event =
        emitted.type === "webhook" || emitted.type === "notification"
          ? { ...emitted, url: displayUrl(emitted.url) }
          : emitted;
      if (kept.events.length < MAX_EVENTS) {
        kept.events.push(event);
        this.publish(accountId, { type: "timeline", callId: call.id, seq: kept.events.length - 1, event });
      }
      if (event.type === "status" || event.type === "ended") status = event.status;
      if (event.type === "ended") kept.ended = true;
      if (event.type === "started" || event.type === "status" || event.type === "ended") {
        const now = status;
        // The stored row gives the call's REST shape; the event gives its newest status.
        call.stored.then(
          (row) =>
            this.publish(accountId, {
              type: "call",
              call: presentCall(now ? { ...row, status: now } : row),
            }),
          () => undefined,
        );
      }
    });
  }

  private publish(accountId: string, message: FeedMessage): void {
    for (const subscriber of this.subscribers.get(accountId) ?? []) subscriber(message);
  }
}
