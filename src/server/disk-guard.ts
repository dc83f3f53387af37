import type { Logger } from "pino";
import type { CallAdmission, DiskHealth, DiskRefusal } from "../calls/admission.js";
import type { Clock, Timer } from "../time/clock.js";
import type { DiskReserve } from "./disk-reserve.js";
import { type FreeSpaceProbe, formatBytes, type MinFreeDisk, minFreeBytes } from "./disk-space.js";

/** Seconds a refused caller (SIP Retry-After, the REST error) is asked to wait: room takes an operator. */
export const DISK_RETRY_AFTER_SEC = 60;

/** The reserve cap: enough for every live call to end and its webhooks to be queued. */
export const MAX_RESERVE_BYTES = 64 * 1024 * 1024;

/** A quarter of the threshold, at most MAX_RESERVE_BYTES: 64 MB under the default 256 MB. */
export function reserveBytesFor(minFreeBytes: number): number {
  return Math.min(MAX_RESERVE_BYTES, Math.floor(minFreeBytes / 4));
}

export interface DiskGuardDeps {
  probe: FreeSpaceProbe;
  clock: Clock;
  logger: Logger;
  minFree: MinFreeDisk;
  /** How often free space is measured. */
  everyMs: number;
  reserve: DiskReserve;
}

/**
 * Watches the free space of the data folder's file system and turns new calls away while it is
 * under --min-free-disk, taking them again by itself once there is room. Holds the disk reserve
 * while there is room and gives it up when a write finds the disk full (docs/operations/disk-space.md).
 */
export class DiskGuard implements CallAdmission {
  private timer: Timer | undefined;
  private checking: Promise<void> | undefined;
  private free = Number.POSITIVE_INFINITY;
  private threshold = 0;
  private accepting = true;
  /** A write found the disk full: calls stay refused until a measurement shows room again. */
  private fullSinceCheck = false;
  private sized = false;
  private readonly listeners: Array<(accepting: boolean) => void> = [];

  constructor(private readonly deps: DiskGuardDeps) {}

  /** Measures once (and takes the reserve if there is room), then every `everyMs`. */
  async start(): Promise<void> {
    await this.check();
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Why a new call must be refused now, or undefined when calls are welcome. */
  refusal(): DiskRefusal | undefined {
    if (this.accepting) return undefined;
    const shown = this.fullSinceCheck ? "the disk is full" : `only ${formatBytes(this.free)} free`;
    return {
      message: `Belay takes no new calls while its data folder's disk is low: ${shown}, under the ${formatBytes(this.threshold)} of --min-free-disk`,
      retryAfterSec: DISK_RETRY_AFTER_SEC,
      freeBytes: Number.isFinite(this.free) ? this.free : 0,
      minFreeBytes: this.threshold,
    };
  }

  health(): DiskHealth {
    return {
      freeBytes: Number.isFinite(this.free) ? this.free : 0,
      minFreeBytes: this.threshold,
      reserveBytes: this.deps.reserve.bytes,
      reserveHeld: this.deps.reserve.isHeld,
      acceptingCalls: this.accepting,
    };
  }

  /** True from a write that found the disk full until a measurement shows room again. */
  isFull(): boolean {
    return this.fullSinceCheck;
  }

  /** `listener(accepting)` runs whenever Belay starts or stops taking calls. */
  onChange(listener: (accepting: boolean) => void): void {
    this.listeners.push(listener);
  }

  /**
   * A write found the disk full: the reserve goes at once (synchronously, so the write can be
   * retried right after), new calls are refused, and free space is measured again. True when the
   * reserve was there to give up.
   */
  diskFull(): boolean {
    const released = this.deps.reserve.release();
    if (released)
      this.deps.logger.warn({ reserveBytes: this.deps.reserve.bytes }, "the disk is full: reserve released");
    this.fullSinceCheck = true;
    this.setAccepting(false);
    void this.check();
    return released;
  }

  /** Measures now; concurrent calls share one measurement. */
  check(): Promise<void> {
    this.checking ??= this.measure().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private schedule(): void {
    this.timer = this.deps.clock.setTimeout(() => {
      void this.check().finally(() => {
        if (this.timer !== undefined) this.schedule();
      });
    }, this.deps.everyMs);
  }

  private async measure(): Promise<void> {
    const { probe, clock, logger, reserve } = this.deps;
    let space: Awaited<ReturnType<FreeSpaceProbe>>;
    try {
      space = await clock.track(probe());
    } catch (err) {
      // Not knowing is no reason to turn callers away: the last measurement stands.
      logger.error({ err }, "could not measure the free disk space; the next check tries again");
      return;
    }
    this.free = space.freeBytes;
    this.threshold = minFreeBytes(this.deps.minFree, space.totalBytes);
    if (!this.sized) {
      // Sized once, from the first measurement (a percentage needs the disk's size).
      this.sized = true;
      reserve.resize(reserveBytesFor(this.threshold));
      await clock.track(reserve.adopt());
    }
    // Without its reserve Belay counts the reserve as already spent: it is taken back first.
    const room = this.free - (reserve.isHeld ? 0 : reserve.bytes) >= this.threshold;
    if (room && !reserve.isHeld && reserve.bytes > 0) {
      const taken = await clock.track(reserve.ensure()).catch((err: unknown) => {
        logger.error({ err, file: reserve.file }, "could not write the disk reserve");
        return false;
      });
      if (taken)
        this.free = await clock.track(probe()).then(
          (again) => again.freeBytes,
          () => this.free - reserve.bytes,
        );
    }
    if (room) this.fullSinceCheck = false;
    this.setAccepting(room && !this.fullSinceCheck);
  }

  private setAccepting(accepting: boolean): void {
    if (accepting === this.accepting) return;
    this.accepting = accepting;
    const fields = { freeBytes: this.free, minFreeBytes: this.threshold };
    if (accepting)
      this.deps.logger.info(fields, "free disk space is back above --min-free-disk: taking calls again");
    else
      this.deps.logger.warn(
        fields,
        "free disk space is under --min-free-disk: new calls are refused until there is room",
      );
    for (const listener of this.listeners) listener(accepting);
  }
}
