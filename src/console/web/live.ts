import { signal } from "@preact/signals";
import { loadSession, session } from "./api.js";
import type { CallResult, FeedMessage, TimelineEvent } from "./types.js";

/** Whether the event stream is open (the Calls page shows it). */
export const connected = signal(false);
/** How many times the stream has opened: lists reload on each (what changed while it was down). */
export const streamOpens = signal(0);
/** Calls the stream has told of since the page opened, newest state of each. */
export const liveCalls = signal<ReadonlyMap<string, CallResult>>(new Map());
/** Timeline events the stream has carried, by call and by their sequence number. */
const timelines = new Map<string, TimelineEvent[]>();
/** A page left open for days must not hold every call it ever saw: the oldest are dropped. */
const MAX_CALLS = 1_000;
const MAX_TIMELINES = 200;
/** Bumped on every timeline event, so a page showing one re-renders. */
export const timelineVersion = signal(0);

let source: EventSource | undefined;

/** One stream per page (Server-Sent Events): the browser reconnects by itself if it drops. */
export function startLive(): void {
  if (source) return;
  source = new EventSource("/console/api/events");
  let opened = false;
  source.onopen = () => {
    // Reconnected after a drop: what the stream said before is stale, and the pages reload their
    // lists (they refetch on every `streamOpens`).
    if (opened) liveCalls.value = new Map();
    opened = true;
    connected.value = true;
    streamOpens.value++;
  };
  source.onerror = () => {
    connected.value = false;
    // Closed for good (the session ended: 401) rather than reconnecting: ask who is signed in,
    // which shows the sign-in page if nobody is.
    if (source?.readyState === EventSource.CLOSED) {
      source = undefined;
      void loadSession().then(() => {
        if (session.value) startLive();
      });
    }
  };
  source.onmessage = (message) => receive(JSON.parse(message.data) as FeedMessage);
}

export function stopLive(): void {
  source?.close();
  source = undefined;
  connected.value = false;
  liveCalls.value = new Map();
  timelines.clear();
}

function receive(message: FeedMessage): void {
  if (message.type === "call") {
    const next = new Map(liveCalls.value);
    next.delete(message.call.callId ?? "");
    next.set(message.call.callId ?? "", message.call);
    if (next.size > MAX_CALLS) next.delete(next.keys().next().value as string);
    liveCalls.value = next;
    return;
  }
  let events = timelines.get(message.callId);
  if (!events) {
    events = [];
    timelines.set(message.callId, events);
    if (timelines.size > MAX_TIMELINES) timelines.delete(timelines.keys().next().value as string);
  }
  events[message.seq] = message.event;
  timelineVersion.value++;
}

/** What the stream has carried of a call's timeline (sparse: a page merges it with a snapshot). */
export function streamedTimeline(callId: string): readonly (TimelineEvent | undefined)[] {
  return timelines.get(callId) ?? [];
}
