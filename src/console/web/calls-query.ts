import type { CallResult } from "./types.js";

/** The Calls page's filters, as its form holds them ("" for not set). */
export interface CallFilters {
  status: string;
  /** E.164, exactly as the REST list's `from` and `to` filters take it. */
  from: string;
  to: string;
  applicationId: string;
  /** `datetime-local` values, in the browser's time zone. */
  since: string;
  until: string;
}

export const NO_FILTERS: CallFilters = {
  status: "",
  from: "",
  to: "",
  applicationId: "",
  since: "",
  until: "",
};

/**
 * Epoch ms bounds [from, to) of the time filters. "Until" a minute includes that whole minute
 * (the form has no seconds), as the server's `startTime` range includes its last second.
 */
function timeBounds(filters: CallFilters): { from?: number; to?: number } {
  const from = filters.since ? Date.parse(filters.since) : Number.NaN;
  const until = filters.until ? Date.parse(filters.until) : Number.NaN;
  const toSecond = Number.isNaN(until) ? Number.NaN : until + (filters.until.length <= 16 ? 59_000 : 0);
  return {
    ...(Number.isNaN(from) ? {} : { from }),
    ...(Number.isNaN(toSecond) ? {} : { to: toSecond + 1000 }),
  };
}

/** `YYYY-MM-DD hh:mm:ss` in UTC, the REST list's time format. */
const restTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");

/** The REST list's query for these filters (`Calls?status=…&startTime=FROM..TO&pageSize=…`). */
export function callsQuery(filters: CallFilters, pageSize: number): string {
  const query = new URLSearchParams();
  if (filters.status) query.set("status", filters.status);
  if (filters.from) query.set("from", filters.from.trim());
  if (filters.to) query.set("to", filters.to.trim());
  if (filters.applicationId) query.set("applicationId", filters.applicationId);
  const { from, to } = timeBounds(filters);
  if (from !== undefined || to !== undefined)
    query.set(
      "startTime",
      `${from === undefined ? "" : restTime(from)}..${to === undefined ? "" : restTime(to - 1000)}`,
    );
  query.set("pageSize", String(pageSize));
  return `Calls?${query}`;
}

/**
 * Whether a call the event stream carried belongs in the filtered list: the same tests the
 * server's list applies, so a live call shows exactly when a reload would show it.
 */
export function matchesFilters(call: CallResult, filters: CallFilters): boolean {
  if (filters.status && call.status !== filters.status) return false;
  if (filters.from && call.from !== filters.from.trim()) return false;
  if (filters.to && call.to !== filters.to.trim()) return false;
  if (filters.applicationId && call.applicationId !== filters.applicationId) return false;
  const { from, to } = timeBounds(filters);
  if (from === undefined && to === undefined) return true;
  // The server compares the call's start time; a call not started yet has none and matches no range.
  const started = call.startTime ? Date.parse(call.startTime) : Number.NaN;
  if (Number.isNaN(started)) return false;
  return (from === undefined || started >= from) && (to === undefined || started < to);
}

/**
 * The bridge's path for a REST list's nextPageUri: `/Accounts/AC…/Calls?…` (FreeClimb's URIs are
 * relative to /apiserver) → `Calls?…`.
 */
export function nextPagePath(nextPageUri: string): string | undefined {
  return /^(?:\/apiserver)?\/Accounts\/AC[0-9a-f]+\/(.+)$/.exec(nextPageUri)?.[1];
}
