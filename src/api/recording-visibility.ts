import type { RecordingRow, Store } from "../store/types.js";
import type { Clock } from "../time/clock.js";
import { apiError } from "./errors.js";

/**
 * A privacyMode recording is gone the moment its deleteAt comes, whether or not the sweeper has
 * deleted it yet: every endpoint asks here, on the engine's clock (simulated in tests).
 */
export function isLive(row: RecordingRow, now: number): boolean {
  return row.deleteAt === null || row.deleteAt > now;
}

/** The account's recording if it exists and is live; RECORDING_NOT_FOUND (404, code 68) otherwise. */
export async function findLiveRecording(
  deps: { store: Store; clock: Clock },
  accountId: string,
  recordingId: string,
): Promise<RecordingRow> {
  const row = await deps.store.recordings.get(accountId, recordingId);
  if (!row || !isLive(row, deps.clock.now())) throw recordingNotFound(recordingId);
  return row;
}

export function recordingNotFound(recordingId: string) {
  return apiError("RECORDING_NOT_FOUND", `recording ${recordingId} not found`);
}
