import type { CallAdmission } from "../calls/admission.js";
import { apiError } from "./errors.js";

/**
 * Turns a new call away while the data folder's disk is under --min-free-disk: 503 with
 * Retry-After and code 30 (docs/operations/disk-space.md).
 */
export function assertTakingCalls(disk: CallAdmission | undefined): void {
  const refusal = disk?.refusal();
  if (!refusal) return;
  throw apiError("DISK_SPACE_LOW", refusal.message, {
    freeBytes: refusal.freeBytes,
    minFreeBytes: refusal.minFreeBytes,
    retryAfterSec: refusal.retryAfterSec,
  });
}
