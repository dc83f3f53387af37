import { useEffect, useState } from "preact/hooks";
import { ApiError, getJson, postJson, rest } from "../api.js";
import { describeEvent, seconds } from "../describe-event.js";
import { liveCalls, streamedTimeline, timelineVersion } from "../live.js";
import type { CallResult, ConsoleWebhook, PerclAnswer, TimelineEvent } from "../types.js";
import { ErrorLine, StatusBadge, when } from "../widgets.js";

interface Snapshot {
  ended: boolean;
  events: TimelineEvent[];
}

interface LogEntry {
  timestamp: number;
  level: string;
  message: string;
}

/** One call: its facts, links to related calls, and its timeline filling live. */
export function CallPage({ callId }: { callId: string }) {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [logs, setLogs] = useState<LogEntry[] | null>(null);
  const [stored, setStored] = useState<CallResult | null>(null);
  const [children, setChildren] = useState<CallResult[]>([]);
  const [webhooks, setWebhooks] = useState<ConsoleWebhook[]>([]);
  const [answers, setAnswers] = useState<PerclAnswer[]>([]);
  const [error, setError] = useState<string | null>(null);
  const live = liveCalls.value.get(callId);
  useEffect(() => {
    setSnapshot(null);
    setLogs(null);
    getJson<Snapshot>(`/console/api/calls/${callId}/timeline`)
      .then(setSnapshot)
      .catch((err: Error) => {
        // Not kept in memory (an older call, or Belay restarted): the stored log stands in.
        if (err instanceof ApiError && err.status === 404)
          getJson<{ logs: LogEntry[] }>(rest(`Calls/${callId}/Logs`))
            .then((page) => setLogs(page.logs))
            .catch((e: Error) => setError(e.message));
        else setError(err.message);
      });
  }, [callId]);
  useEffect(() => {
    getJson<CallResult>(rest(`Calls/${callId}`))
      .then(setStored)
      .catch(() => undefined);
    getJson<{ calls: CallResult[] }>(rest(`Calls?parentCallId=${callId}`))
      .then((page) => setChildren(page.calls))
      .catch(() => undefined);
  }, [callId, live?.status]);
  const call = live ?? stored;
  void timelineVersion.value;
  const events = merge(snapshot?.events ?? [], streamedTimeline(callId));
  const ended = events.some((event) => event.type === "ended");
  const sent = events.filter((event) => event.type === "webhook" || event.type === "notification").length;
  useEffect(() => {
    if (sent === 0) return;
    getJson<{ webhooks: ConsoleWebhook[]; answers: PerclAnswer[] }>(`/console/api/calls/${callId}/webhooks`)
      .then((page) => {
        setWebhooks(page.webhooks);
        setAnswers(page.answers);
      })
      .catch(() => undefined);
  }, [callId, sent, ended]);
  const conferences = [...new Set(events.flatMap((e) => (e.type === "conference" ? [e.conferenceId] : [])))];
  return (
    <section>
      <header class="page-head">
        <h1>
          Call <code>{callId}</code>
        </h1>
        {call && <StatusBadge status={call.status ?? ""} />}
        {call && !ended && call.status !== "completed" && (
          <button
            type="button"
            class="secondary"
            onClick={() =>
              postJson(rest(`Calls/${callId}`), { status: "completed" }).catch((e: Error) =>
                setError(e.message),
              )
            }
          >
            Hang up
          </button>
        )}
      </header>
      <ErrorLine error={error} />
      {call && (
        <dl class="facts">
          <dt>From</dt>
          <dd>{call.from}</dd>
          <dt>To</dt>
          <dd>{call.to}</dd>
          <dt>Direction</dt>
          <dd>{call.direction}</dd>
          <dt>Started</dt>
          <dd>{when(call.startTime ?? call.dateCreated)}</dd>
          {call.applicationId && (
            <>
              <dt>Application</dt>
              <dd>
                <code>{call.applicationId}</code>
              </dd>
            </>
          )}
          {call.parentCallId && (
            <>
              <dt>Parent call</dt>
              <dd>
                <a href={`#/calls/${call.parentCallId}`}>
                  <code>{call.parentCallId}</code>
                </a>
              </dd>
            </>
          )}
          {children.length > 0 && (
            <>
              <dt>Child calls</dt>
              <dd>
                {children.map((child) => (
                  <a key={child.callId} href={`#/calls/${child.callId}`}>
                    <code>{child.callId}</code>{" "}
                  </a>
                ))}
              </dd>
            </>
          )}
          {conferences.length > 0 && (
            <>
              <dt>Conferences</dt>
              <dd>
                {conferences.map((id) => (
                  <a key={id} href={`#/conferences/${id}`}>
                    <code>{id}</code>{" "}
                  </a>
                ))}
              </dd>
            </>
          )}
        </dl>
      )}
      <h2>Timeline {snapshot && !ended && <span class="live on">live</span>}</h2>
      {logs ? <LogList logs={logs} /> : <Timeline events={events} webhooks={webhooks} answers={answers} />}
    </section>
  );
}

/** The snapshot, with whatever the stream carried since (by sequence number; the stream wins a tie). */
function merge(snapshot: TimelineEvent[], streamed: readonly (TimelineEvent | undefined)[]): TimelineEvent[] {
  const length = Math.max(snapshot.length, streamed.length);
  const events: TimelineEvent[] = [];
  for (let i = 0; i < length; i++) {
    const event = streamed[i] ?? snapshot[i];
    if (event) events.push(event);
  }
  return events;
}

/**
 * Pairs each webhook of the timeline with its row in the delivery log: the n-th webhook of a
 * request type is that type's n-th delivery (both are in the order they were sent).
 */
function pairWebhooks(
  events: TimelineEvent[],
  webhooks: ConsoleWebhook[],
): Array<ConsoleWebhook | undefined> {
  const seen = new Map<string, number>();
  return events.map((event) => {
    if (event.type !== "webhook" && event.type !== "notification") return undefined;
    const n = seen.get(event.requestType) ?? 0;
    seen.set(event.requestType, n + 1);
    return webhooks.filter((webhook) => webhook.requestType === event.requestType)[n];
  });
}

/** Pairs each answered webhook with the PerCL it got: the n-th to a URL and request type is that pair's n-th answer. */
function pairAnswers(events: TimelineEvent[], answers: PerclAnswer[]): Array<PerclAnswer | undefined> {
  const seen = new Map<string, number>();
  return events.map((event) => {
    if (event.type !== "webhook" || !event.ok) return undefined;
    const key = `${event.requestType} ${event.url}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return answers.filter((answer) => `${answer.requestType} ${answer.url}` === key)[n];
  });
}

function Timeline({
  events,
  webhooks,
  answers,
}: {
  events: TimelineEvent[];
  webhooks: ConsoleWebhook[];
  answers: PerclAnswer[];
}) {
  const span = Math.max(1, ...events.map((event) => event.at));
  const paired = pairWebhooks(events, webhooks);
  const answered = pairAnswers(events, answers);
  return (
    <ol class="timeline" data-testid="timeline">
      {events.map((event, i) => {
        const described = describeEvent(event);
        const webhook = paired[i];
        return (
          <li key={i} class={`kind-${described.kind}`} data-type={event.type}>
            <span class="at">{seconds(event.at)}</span>
            <span class="axis">
              <span class="tick" style={{ left: `${(event.at / span) * 100}%` }} />
            </span>
            <span class="what">
              <strong>{described.title}</strong>
              {described.detail && <span class="detail">{described.detail}</span>}
              {described.link && <a href={described.link.href}>{described.link.label}</a>}
              {webhook && <WebhookBody webhook={webhook} />}
              {answered[i] && <PerclBody answer={answered[i]} />}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function PerclBody({ answer }: { answer: PerclAnswer }) {
  const withheld = JSON.stringify(answer.script).includes('"withheld":true');
  return (
    <details class="webhook-body percl-answer">
      <summary>
        PerCL answer ({answer.script.length} command{answer.script.length === 1 ? "" : "s"}
        {withheld ? ", privacy-mode commands withheld" : ""})
      </summary>
      <pre>{JSON.stringify(answer.script, null, 2)}</pre>
    </details>
  );
}

function WebhookBody({ webhook }: { webhook: ConsoleWebhook }) {
  return (
    <details class="webhook-body request-body">
      <summary>
        Request body{webhook.redacted ? " (privacy-mode input withheld)" : ""}
        {webhook.attempts > 1 ? `, ${webhook.attempts} attempts, ${webhook.state}` : ""}
      </summary>
      <pre>{JSON.stringify(webhook.body, null, 2)}</pre>
    </details>
  );
}

function LogList({ logs }: { logs: LogEntry[] }) {
  const first = Math.min(...logs.map((log) => log.timestamp));
  return (
    <>
      <p class="muted">
        The full timeline of this call is no longer in memory; this is its stored log (webhooks, errors,
        recordings and its end).
      </p>
      <ol class="timeline" data-testid="call-log">
        {[...logs].reverse().map((log, i) => (
          <li key={i} class={log.level === "error" ? "kind-error" : "kind-webhook"}>
            <span class="at">{seconds((log.timestamp - first) / 1000)}</span>
            <span class="axis" />
            <span class="what">
              <strong>{log.message}</strong>
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}
