import { open } from "node:fs/promises";

/** fsync of a file or a folder by path (the limits open it for each sync, as a plain program would). */
export async function fsyncPath(target: string): Promise<void> {
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
