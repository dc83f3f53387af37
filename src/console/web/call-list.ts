import { useEffect, useRef, useState } from "preact/hooks";
import { getJson, rest } from "./api.js";
import { type CallFilters, callsQuery, nextPagePath } from "./calls-query.js";
import { streamOpens } from "./live.js";
import type { CallResult } from "./types.js";

interface CallsPage {
  total: number;
  nextPageUri: string | null;
  calls: CallResult[];
}

export interface CallList {
  /** The pages loaded so far, in the server's order (newest first). */
  calls: CallResult[];
  /** How many calls match on the server, as of the last page loaded. */
  total: number;
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
}

/**
 * The calls matching `filters`, a page at a time from the REST list (through the console's bridge,
 * so the server filters). Starts over when the filters change and on every (re)connection of the
 * event stream (calls changed while it was down). An answer for filters no longer shown is dropped.
 */
export function useCallList(filters: CallFilters, pageSize: number): CallList {
  const [calls, setCalls] = useState<CallResult[]>([]);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const load = (path: string, append: boolean) => {
    const mine = generation.current;
    setLoading(true);
    getJson<CallsPage>(rest(path))
      .then((page) => {
        if (mine !== generation.current) return;
        setCalls((before) => (append ? [...before, ...page.calls] : page.calls));
        setTotal(page.total);
        setNext(page.nextPageUri);
        setError(null);
      })
      .catch((err: Error) => {
        if (mine === generation.current) setError(err.message);
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
  };

  const query = callsQuery(filters, pageSize);
  useEffect(() => {
    generation.current++;
    setCalls([]);
    setNext(null);
    setTotal(0);
    load(query, false);
  }, [query, streamOpens.value]);

  const nextPath = next === null ? undefined : nextPagePath(next);
  return {
    calls,
    total,
    hasMore: nextPath !== undefined,
    loading,
    error,
    loadMore: () => {
      if (nextPath !== undefined && !loading) load(nextPath, true);
    },
  };
}
