import { open } from "node:fs/promises";

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
