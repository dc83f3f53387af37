import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { GroupSync } from "../../src/store/group-sync.js";
import { syncDirectory } from "../../src/store/sync-directory.js";
import { percentile, round } from "./result.js";

/**
 * The disk's part of a burst of recordings ending together, with nothing of Belay in it: `files`
 * files of `bytes` each are written and made durable at once, the way a finished recording is
 * (open, write, fdatasync, close, rename into place, then an fsync of the folder, shared by the
 * files that ask while one runs), `rounds` times. Reported: time from the burst's start until each
 * file is durable.
 */
export async function measureDiskFlush(
  folder: string,
  options: { files: number; bytes: number; rounds: number },
): Promise<{ fileP50Ms: number; fileP99Ms: number }> {
  await mkdir(folder, { recursive: true });
  const data = Buffer.alloc(options.bytes, 0x55);
  const perFile: number[] = [];
  const folderSync = new GroupSync(() => syncDirectory(folder));
  try {
    for (let round = 0; round < options.rounds; round++) {
      const started = performance.now();
      const durableAt = await Promise.all(
        Array.from({ length: options.files }, async (_, i) => {
          await writeDurably(path.join(folder, `${round}-${i}.wav`), data, data.length, folderSync);
          return performance.now();
        }),
      );
      for (const at of durableAt) perFile.push(at - started);
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  return {
    fileP50Ms: round(percentile(perFile, 50)),
    fileP99Ms: round(percentile(perFile, 99)),
  };
}

/**
 * Writes `data` to `final` as a finished recording is written: to `<final>.partial` in chunks of
 * `chunkBytes`, fdatasynced and closed, renamed into place, then the folder's shared fsync.
 */
export async function writeDurably(
  final: string,
  data: Uint8Array,
  chunkBytes: number,
  folderSync: GroupSync,
): Promise<void> {
  const part = `${final}.partial`;
  const file = await open(part, "w");
  try {
    for (let at = 0; at < data.length; at += chunkBytes)
      await file.write(data, at, Math.min(chunkBytes, data.length - at), at);
    await file.datasync();
  } finally {
    await file.close();
  }
  await rename(part, final);
  await folderSync.sync();
}
