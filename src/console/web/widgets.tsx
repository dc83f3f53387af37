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

/** An edit form's buttons: submit (Save while editing), and Cancel back to a new item. */
export function FormActions({
  editing,
  create,
  cancel,
}: {
  editing: boolean;
  create: string;
  cancel(): void;
}) {
  return (
    <div class="actions">
      <button type="submit">{editing ? "Save" : create}</button>
      {editing && (
        <button type="button" class="secondary" onClick={cancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
