import type { Store } from "../store/types.js";

/**
 * Whether a webhook of this type was already stored in the deliveries log (sent, or waiting in
 * the outbox) under `key` since `since`: a call's id, or a conference's for what recovery files
 * under it. What lets a repeated recovery send nothing twice.
 */
export async function sentSince(
  store: Store,
  key: string,
  requestType: string,
  since: number,
): Promise<boolean> {
  const rows = await store.deliveries.listByCall(key);
  return rows.some((r) => r.requestType === requestType && r.dateCreated >= since);
}
