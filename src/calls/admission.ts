/**
 * Whether Belay takes new calls right now, as the API and the legs see it. The disk guard
 * (src/server/disk-guard.ts) is the one implementation: new calls are refused while the data
 * folder's disk is under --min-free-disk.
 */
export interface CallAdmission {
  /** Why new calls are turned away, or undefined while they are taken. */
  refusal(): DiskRefusal | undefined;
  /** What /healthz shows of the disk. */
  health(): DiskHealth;
}

/** Why new calls are turned away while the disk is low. */
export interface DiskRefusal {
  message: string;
  retryAfterSec: number;
  freeBytes: number;
  minFreeBytes: number;
}

/** What /healthz shows of the disk. */
export interface DiskHealth {
  freeBytes: number;
  minFreeBytes: number;
  reserveBytes: number;
  reserveHeld: boolean;
  acceptingCalls: boolean;
}
