/**
 * A blob store on a disk that fills up: the real LocalBlobWriter on real files, except that the
 * file system says ENOSPC once `room` bytes have been written across all blobs. A full disk is
 * outside Belay; this is the one part simulated, and test/interop/full-disk.interop.ts fills a
 * real one.
 */
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BlobStore, BlobWriter } from "../../src/store/blob-store.js";
import { LocalBlobStore } from "../../src/store/local-blob-store.js";
import { LocalBlobWriter } from "../../src/store/local-blob-writer.js";

export class FullDisk {
  /** Times a writer told the store the disk was full. */
  fullReports = 0;

  /** `room`: bytes the disk still takes, all blobs together. */
  constructor(public room: number) {}

  /**
   * A file handle whose writes stop at the disk's room: a short write, then ENOSPC. Only bytes past
   * the file's end take room; overwriting what is there (a WAV header's sizes) takes none.
   */
  handle(file: FileHandle): FileHandle {
    let size = 0;
    const write = async (data: Uint8Array, offset: number, length: number, position: number) => {
      const fits = Math.max(0, size + this.room - position);
      if (fits <= 0 && length > 0) {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
          code: "ENOSPC",
          errno: -28,
        });
      }
      const n = Math.min(length, fits);
      const end = position + n;
      if (end > size) {
        this.room -= end - size;
        size = end;
      }
      return file.write(data, offset, n, position);
    };
    const truncate = async (length: number) => {
      if (length < size) {
        this.room += size - length;
        size = length;
      }
      return file.truncate(length);
    };
    return new Proxy(file, {
      get: (target, name) =>
        name === "write" ? write : name === "truncate" ? truncate : Reflect.get(target, name, target),
    });
  }

  /** A blob store in `root` whose writers write to this disk. */
  blobStore(root: string): BlobStore {
    const local = new LocalBlobStore(root);
    return {
      create: async (key: string): Promise<BlobWriter> => {
        const finalPath = join(root, ...key.split("/"));
        await mkdir(dirname(finalPath), { recursive: true });
        const partialPath = `${finalPath}.partial`;
        const file = await open(partialPath, "wx");
        return new LocalBlobWriter(this.handle(file), partialPath, finalPath, async () => undefined, {
          onDiskFull: () => {
            this.fullReports++;
          },
        });
      },
      stat: (key) => local.stat(key),
      read: (key, range) => local.read(key, range),
      open: (key) => local.open(key),
      delete: (key) => local.delete(key),
    };
  }
}
