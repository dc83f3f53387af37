import type { LogResult } from "../contract/rest.js";
import type { CallLogRow } from "../store/types.js";

/** A call log entry as FreeClimb's LogResult. */
export function presentLog(row: CallLogRow): LogResult {
  return {
    timestamp: row.timestamp,
    level: row.level,
    requestId: row.requestId,
    accountId: row.accountId,
    callId: row.callId,
    message: row.message,
    metadata: row.metadata,
  };
}
