import { statfs } from "node:fs/promises";
import { BelayError } from "../errors.js";

/** Room on the file system holding the data folder, as an unprivileged process may use it. */
export interface FreeSpace {
  freeBytes: number;
  totalBytes: number;
}

/** Measures free space; injected in tests, statfs on the data folder otherwise. */
export type FreeSpaceProbe = () => Promise<FreeSpace>;

export function statfsProbe(dir: string): FreeSpaceProbe {
  return async () => {
    const fs = await statfs(dir);
    // bavail, not bfree: the blocks reserved for root are no room for Belay unless it runs as root,
    // and counting them would let the disk fill before the threshold says so.
    return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
  };
}

/** The free space below which Belay takes no new calls: bytes, or a share of the file system. */
export type MinFreeDisk = { bytes: number } | { percent: number };

const UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  K: 1024,
  KB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
};

/** `256MB`, `1.5G`, `600KB`, `10%` or `0` (off). Units are binary (1 KB = 1024 bytes). */
export function parseMinFreeDisk(what: string, text: string): MinFreeDisk {
  const value = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value);
  if (percent) {
    const share = Number(percent[1]);
    if (share >= 100)
      throw new BelayError("CONFIG_INVALID", `${what} "${text}" must be a share below 100%`, { value: text });
    return { percent: share };
  }
  const size = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value);
  const unit = UNITS[(size?.[2] ?? "").toUpperCase()];
  if (!size || unit === undefined) {
    throw new BelayError(
      "CONFIG_INVALID",
      `${what} "${text}" must be a size like 256MB, 1G or 600KB, a share like 5%, or 0 to turn it off`,
      { value: text },
    );
  }
  return { bytes: Math.floor(Number(size[1]) * unit) };
}

/** The threshold in bytes on a file system of `totalBytes`. */
export function minFreeBytes(minFree: MinFreeDisk, totalBytes: number): number {
  return "bytes" in minFree ? minFree.bytes : Math.floor((totalBytes * minFree.percent) / 100);
}

export function isOff(minFree: MinFreeDisk): boolean {
  return "bytes" in minFree ? minFree.bytes === 0 : minFree.percent === 0;
}

/** 268435456 → "256 MB": for log lines, /healthz and error messages. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${units[unit]}`;
}
