import type { Store } from "../store/types.js";

/**
 * Whether a webhook of this type was already stored in the deliveries log (sent, or waiting in
 * the outbox) under `key` since `since`: a call's id, or a conference's for what recovery files
 * under it. What lets a repeated recovery send nothing twice. `withFields`: only a body holding
 * these values counts (a conference's conferenceStatus terminated, not its earlier ones).
 */
export async function sentSince(
  store: Store,
  key: string,
  requestType: string,
  since: number,
  withFields: Record<string, unknown> = {},
): Promise<boolean> {
  const rows = await store.deliveries.listByCall(key);
  const wanted = Object.entries(withFields);
  return rows.some((r) => {
    if (r.requestType !== requestType || r.dateCreated < since) return false;
    if (wanted.length === 0) return true;
    const body = JSON.parse(r.body) as Record<string, unknown>;
    return wanted.every(([field, value]) => body[field] === value);
  });
}
