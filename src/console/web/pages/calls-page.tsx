import { useState } from "preact/hooks";
import { useCallList } from "../call-list.js";
import { type CallFilters, matchesFilters, NO_FILTERS } from "../calls-query.js";
import { connected, liveCalls } from "../live.js";
import type { CallResult } from "../types.js";
import { ErrorLine, StatusBadge, when } from "../widgets.js";
import { CallFiltersForm } from "./call-filters.js";

/** Newest first by start (or creation) time. */
const startOf = (call: CallResult) => Date.parse(call.startTime ?? call.dateCreated ?? "") || 0;

/**
 * The account's calls matching the filters, a page at a time from the server, kept current by the
 * event stream: a call it carries replaces the row it was, or joins the list, only while it still
 * matches the filters.
 */
export function CallsPage() {
  const [filters, setFilters] = useState<CallFilters>(NO_FILTERS);
  const [pageSize, setPageSize] = useState(50);
  const list = useCallList(filters, pageSize);
  const rows = new Map(list.calls.map((call) => [call.callId ?? "", call]));
  for (const [id, call] of liveCalls.value) {
    if (matchesFilters(call, filters)) rows.set(id, call);
    else rows.delete(id);
  }
  const calls = [...rows.values()].sort((a, b) => startOf(b) - startOf(a));
  const filtered = Object.values(filters).some((value) => value !== "");
  return (
    <section>
      <header class="page-head">
        <h1>Calls</h1>
        <span class={connected.value ? "live on" : "live"} data-testid="live">
          {connected.value ? "Live" : "Connecting…"}
        </span>
      </header>
      <CallFiltersForm
        filters={filters}
        onFilters={setFilters}
        pageSize={pageSize}
        onPageSize={setPageSize}
      />
      <ErrorLine error={list.error} />
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
      {calls.length === 0 && !list.loading && (
        <p class="empty">
          {filtered ? "No calls match these filters." : "No calls yet. Place one from “Place a call”."}
        </p>
      )}
      <footer class="list-foot">
        <span class="muted" data-testid="calls-count">
          {list.hasMore
            ? `${calls.length} shown, ${list.total - list.calls.length} more on the server`
            : `${calls.length} shown`}
        </span>
        {list.hasMore && (
          <button type="button" class="secondary" disabled={list.loading} onClick={list.loadMore}>
            Load {Math.min(pageSize, list.total - list.calls.length)} more
          </button>
        )}
      </footer>
    </section>
  );
}
