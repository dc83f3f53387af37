import { useEffect, useState } from "preact/hooks";
import { getJson, rest } from "../api.js";
import type { CallFilters } from "../calls-query.js";

const STATUSES = ["queued", "ringing", "inProgress", "completed", "busy", "failed", "noAnswer", "canceled"];
export const PAGE_SIZES = [10, 25, 50, 100];

interface Props {
  filters: CallFilters;
  onFilters(filters: CallFilters): void;
  pageSize: number;
  onPageSize(size: number): void;
}

/**
 * The Calls page's filters. Each applies when committed (a select on change, a text field on Enter
 * or leaving it), so the server is asked once per filter, not once per key typed. The text fields
 * are uncontrolled: a live update re-rendering the page must not undo what is being typed.
 */
export function CallFiltersForm({ filters, onFilters, pageSize, onPageSize }: Props) {
  const [apps, setApps] = useState<Array<{ applicationId: string; alias: string | null }>>([]);
  useEffect(() => {
    getJson<{ applications: Array<{ applicationId: string; alias: string | null }> }>(rest("Applications"))
      .then((page) => setApps(page.applications))
      .catch(() => undefined);
  }, []);
  const set = (key: keyof CallFilters) => (e: Event) =>
    onFilters({ ...filters, [key]: (e.currentTarget as HTMLInputElement).value.trim() });
  return (
    <form class="filters" onSubmit={(e) => e.preventDefault()}>
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
        From
        <input name="from" placeholder="+1555…" defaultValue={filters.from} onChange={set("from")} />
      </label>
      <label>
        To
        <input name="to" placeholder="+1555…" defaultValue={filters.to} onChange={set("to")} />
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
        Started since
        <input name="since" type="datetime-local" defaultValue={filters.since} onChange={set("since")} />
      </label>
      <label>
        Started until
        <input name="until" type="datetime-local" defaultValue={filters.until} onChange={set("until")} />
      </label>
      <label>
        Per page
        <select
          name="pageSize"
          value={String(pageSize)}
          onChange={(e) => onPageSize(Number((e.currentTarget as HTMLSelectElement).value))}
        >
          {PAGE_SIZES.map((size) => (
            <option key={size}>{size}</option>
          ))}
        </select>
      </label>
    </form>
  );
}
