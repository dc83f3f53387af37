/** Small pieces the pages share. */

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

/** An RFC 1123 or ISO date as local date and time; "" for none. */
export function when(date: string | null | undefined): string {
  if (!date) return "";
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? date : new Date(ms).toLocaleString();
}

export function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}
