import { useEffect, useState } from "preact/hooks";
import { getJson, rest } from "../api.js";
import { connected, liveCalls } from "../live.js";
import type { CallResult } from "../types.js";
import { StatusBadge, when } from "../widgets.js";

const STATUSES = ["queued", "ringing", "inProgress", "completed", "busy", "failed", "noAnswer", "canceled"];

interface Filters {
  status: string;
  number: string;
  applicationId: string;
  since: string;
}

/** Newest first by start (or creation) time. */
const startOf = (call: CallResult) => Date.parse(call.startTime ?? call.dateCreated ?? "") || 0;

function matches(call: CallResult, filters: Filters): boolean {
  if (filters.status && call.status !== filters.status) return false;
  if (filters.applicationId && call.applicationId !== filters.applicationId) return false;
  if (filters.number && !`${call.from} ${call.to}`.includes(filters.number.trim())) return false;
  if (filters.since && startOf(call) < Date.parse(filters.since)) return false;
  return true;
}

/**
 * The account's calls: the newest 100 from the REST list, then every change the event stream
 * carries (new calls appear, statuses change), filtered on the page.
 */
export function CallsPage() {
  const [stored, setStored] = useState<CallResult[]>([]);
  const [apps, setApps] = useState<Array<{ applicationId: string; alias: string | null }>>([]);
  const [filters, setFilters] = useState<Filters>({ status: "", number: "", applicationId: "", since: "" });
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<{ calls: CallResult[] }>(rest("Calls?pageSize=100"))
      .then((page) => setStored(page.calls))
      .catch((err: Error) => setError(err.message));
    getJson<{ applications: Array<{ applicationId: string; alias: string | null }> }>(rest("Applications"))
      .then((page) => setApps(page.applications))
      .catch(() => undefined);
  }, [connected.value]); // again on every (re)connection: calls changed while it was down
  const merged = new Map(stored.map((call) => [call.callId ?? "", call]));
  for (const [id, call] of liveCalls.value) merged.set(id, call);
  const calls = [...merged.values()]
    .filter((call) => matches(call, filters))
    .sort((a, b) => startOf(b) - startOf(a));
  const set = (key: keyof Filters) => (e: Event) =>
    setFilters({ ...filters, [key]: (e.currentTarget as HTMLInputElement).value });
  return (
    <section>
      <header class="page-head">
        <h1>Calls</h1>
        <span class={connected.value ? "live on" : "live"} data-testid="live">
          {connected.value ? "Live" : "Connecting…"}
        </span>
      </header>
      <div class="filters">
        <label>
          Status
          <select name="status" value={filters.status} onChange={set("status")}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Number
          <input name="number" placeholder="+1555…" value={filters.number} onInput={set("number")} />
        </label>
        <label>
          Application
          <select name="applicationId" value={filters.applicationId} onChange={set("applicationId")}>
            <option value="">any</option>
            {apps.map((app) => (
              <option key={app.applicationId} value={app.applicationId}>
                {app.alias ?? app.applicationId}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since
          <input name="since" type="datetime-local" value={filters.since} onInput={set("since")} />
        </label>
      </div>
      {error && <p class="error">{error}</p>}
      <table class="list" data-testid="calls">
        <thead>
          <tr>
            <th>Status</th>
            <th>From</th>
            <th>To</th>
            <th>Direction</th>
            <th>Started</th>
            <th>Call</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr key={call.callId} data-call-id={call.callId}>
              <td>
                <StatusBadge status={call.status ?? ""} />
              </td>
              <td>{call.from}</td>
              <td>{call.to}</td>
              <td>{call.direction}</td>
              <td>{when(call.startTime ?? call.dateCreated)}</td>
              <td>
                <a href={`#/calls/${call.callId}`}>
                  <code>{call.callId}</code>
                </a>
                {call.parentCallId && <span class="muted"> (child)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {calls.length === 0 && <p class="empty">No calls yet. Place one from “Place a call”.</p>}
    </section>
  );
}
