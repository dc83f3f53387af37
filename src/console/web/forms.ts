import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api.js";

/** A list fetched from `url`'s `key`, reloaded by `reload()`. */
export function useList<T>(url: string, key: string): { items: T[]; error: string | null; reload(): void } {
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    getJson<Record<string, T[]>>(url)
      .then((page) => setItems(page[key] ?? []))
      .catch((err: Error) => setError(err.message));
  }, [url, version]);
  return { items, error, reload: () => setVersion((v) => v + 1) };
}

/** The named fields of a form, trimmed; empty ones left out. */
export function fields(event: Event): Record<string, string> {
  event.preventDefault();
  const out: Record<string, string> = {};
  for (const [name, value] of new FormData(event.currentTarget as HTMLFormElement)) {
    const text = String(value).trim();
    if (text) out[name] = text;
  }
  return out;
}

/**
 * An editable list's form: the item being edited (null: a new one), the last error, and the
 * form's submit handler. `send` posts the form's fields; once it succeeds the form starts over
 * and the list reloads, and a failure shows as the error.
 */
export function useEditor<T>(
  list: { reload(): void },
  send: (values: Record<string, string>, editing: T | null) => Promise<unknown>,
) {
  const [editing, setEditing] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async (event: Event) => {
    const values = fields(event);
    try {
      await send(values, editing);
      setEditing(null);
      setError(null);
      (event.target as HTMLFormElement).reset();
      list.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return { editing, setEditing, error, setError, save };
}
