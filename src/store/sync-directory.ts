import { open } from "node:fs/promises";
import { GroupSync } from "./group-sync.js";

/** Platforms where a directory cannot be opened or fsynced (Windows): nothing more can be done. */
const UNSUPPORTED = new Set(["EISDIR", "EPERM", "EINVAL", "EBADF", "EACCES"]);

/** Persists a directory's entries (a rename, a new file) so they survive a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (err) {
    if (!UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
  } finally {
    await handle?.close();
  }
}

/**
 * Directory syncs shared between callers: recordings finishing together in one folder share one
 * fsync of it (a burst of fifty hang-ups made fifty, queued behind each other on the thread pool).
 */
export class DirectorySyncs {
  private readonly groups = new Map<string, { group: GroupSync; users: number }>();

  async sync(dir: string): Promise<void> {
    let entry = this.groups.get(dir);
    if (!entry) {
      entry = { group: new GroupSync(() => syncDirectory(dir)), users: 0 };
      this.groups.set(dir, entry);
    }
    entry.users++;
    try {
      await entry.group.sync();
    } finally {
      if (--entry.users === 0) this.groups.delete(dir);
    }
  }

  /** Folders with a sync running or waiting: diagnostics and tests. */
  get active(): number {
    return this.groups.size;
  }
}
