import type { Dirent } from "node:fs";
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { BelayError, isDiskFullError } from "../errors.js";
import { assertValidBlobKey, PARTIAL_SUFFIX } from "./blob-key.js";
import type { BlobReader, BlobStat, BlobStore, BlobWriter, ByteRange, PartialBlobs } from "./blob-store.js";
import { LocalBlobWriter } from "./local-blob-writer.js";
import { DirectorySyncs, syncDirectory } from "./sync-directory.js";

const MISSING = new Set(["ENOENT", "ENOTDIR"]);
const KNOWN_FOLDERS_MAX = 10_000;

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function notFound(key: string, cause?: unknown): BelayError {
  return new BelayError("BLOB_NOT_FOUND", `blob ${key} does not exist`, { key }, { cause });
}

/** How blob writers and Belay's disk guard tell each other about a full disk. */
export interface DiskFullSignals {
  /** Hears of every write that finds the disk full (Belay gives up its reserve then). */
  onDiskFull?: () => void;
  /**
   * True while the disk is known to be full: writers then take no more room (the reserve just
   * freed is for ending calls, not for more audio) and fail as a full disk would.
   */
  diskIsFull?: () => boolean;
}

/**
 * Blobs as files under one folder: key `a/b/c.wav` is `<root>/a/b/c.wav`. A blob being written is
 * `<path>.partial` until its writer finishes, so readers never see half a recording.
 */
export class LocalBlobStore implements BlobStore, PartialBlobs {
  readonly root: string;
  private readonly rootPrefix: string;
  /**
   * Folders known to exist, so a recording does not pay a mkdir (a file-system round trip) to
   * learn that its account's folder is there. Bounded; forgetting one only costs that mkdir.
   */
  private readonly knownFolders = new Set<string>();
  private readonly directorySyncs = new DirectorySyncs();
  private readonly syncFolder = (dir: string) => this.directorySyncs.sync(dir);

  private readonly onDiskFull: () => void;
  private readonly diskIsFull: () => boolean;

  constructor(root: string, disk: DiskFullSignals = {}) {
    this.onDiskFull = disk.onDiskFull ?? (() => undefined);
    this.diskIsFull = disk.diskIsFull ?? (() => false);
    this.root = resolve(root);
    this.rootPrefix = this.root.endsWith(sep) ? this.root : this.root + sep;
  }

  async create(key: string): Promise<BlobWriter> {
    const finalPath = this.pathOf(key);
    const partialPath = finalPath + PARTIAL_SUFFIX;
    const folder = dirname(finalPath);
    await this.ensureDirectory(folder);
    let file: FileHandle;
    try {
      file = await open(partialPath, "wx").catch(async (err: unknown) => {
        // Someone removed the folder behind our back: make it again, once.
        if (errnoCode(err) !== "ENOENT" || !this.knownFolders.delete(folder)) throw err;
        await this.ensureDirectory(folder);
        return open(partialPath, "wx");
      });
    } catch (err) {
      if (errnoCode(err) === "EEXIST") {
        throw new BelayError("BLOB_BUSY", `blob ${key} is already being written`, { key }, { cause: err });
      }
      if (isDiskFullError(err)) {
        this.onDiskFull();
        throw new BelayError(
          "BLOB_DISK_FULL",
          `the disk is full: blob ${key} cannot be created`,
          { key, keptBytes: 0 },
          { cause: err },
        );
      }
      throw err;
    }
    return new LocalBlobWriter(file, partialPath, finalPath, this.syncFolder, {
      onDiskFull: this.onDiskFull,
      diskIsFull: this.diskIsFull,
    });
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return info.isFile() ? { size: info.size } : undefined;
    } catch (err) {
      if (MISSING.has(errnoCode(err) ?? "")) return undefined;
      throw err;
    }
  }

  /**
   * The whole blob, or bytes start..end inclusive (end is clamped to the last byte). A start at or
   * past the end is BLOB_RANGE_INVALID.
   */
  async read(key: string, range?: ByteRange): Promise<Readable> {
    this.pathOf(key);
    if (range !== undefined) {
      const { start, end } = range;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
        throw new BelayError("BLOB_RANGE_INVALID", `range ${start}-${end} of blob ${key} is invalid`, {
          key,
          start,
          end,
        });
      }
    }
    const file = await this.openFile(key);
    // Sized and streamed through one handle, so a concurrent delete cannot slip in between.
    try {
      const info = await file.stat();
      if (!info.isFile()) throw notFound(key);
      if (range === undefined) return file.createReadStream();
      if (range.start >= info.size) {
        throw new BelayError(
          "BLOB_RANGE_INVALID",
          `range ${range.start}-${range.end} starts past the end of blob ${key} (${info.size} bytes)`,
          { key, start: range.start, end: range.end, size: info.size },
        );
      }
      return file.createReadStream({ start: range.start, end: Math.min(range.end, info.size - 1) });
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async open(key: string): Promise<BlobReader> {
    const file = await this.openFile(key);
    try {
      const info = await file.stat();
      if (!info.isFile()) throw notFound(key);
      return new LocalBlobReader(key, file, info.size);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async delete(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
      return true;
    } catch (err) {
      const code = errnoCode(err) ?? "";
      if (MISSING.has(code) || code === "EISDIR") return false;
      throw err;
    }
  }

  /**
   * Keys of the blobs whose writer never finished or aborted: after a crash, the files it was
   * writing. Only safe to act on while no writer is live (start-up, under the data-folder lock).
   */
  async listPartials(): Promise<string[]> {
    const keys: string[] = [];
    await this.collectPartials(this.root, [], keys);
    return keys.sort();
  }

  /** Size and first `headBytes` bytes of an unfinished blob; undefined when there is none. */
  async inspectPartial(
    key: string,
    headBytes: number,
  ): Promise<{ size: number; head: Uint8Array } | undefined> {
    let file: FileHandle;
    try {
      file = await open(this.pathOf(key) + PARTIAL_SUFFIX, "r");
    } catch (err) {
      if (MISSING.has(errnoCode(err) ?? "")) return undefined;
      throw err;
    }
    try {
      const { size } = await file.stat();
      const head = new Uint8Array(Math.min(headBytes, size));
      const { bytesRead } = await file.read(head, 0, head.length, 0);
      return { size, head: head.subarray(0, bytesRead) };
    } finally {
      await file.close();
    }
  }

  /**
   * Finishes an unfinished blob as its writer would have: cut to `size` bytes, `head` written at
   * the start, fdatasynced, renamed into place, folder synced. Resolves with the final size.
   */
  async completePartial(key: string, size: number, head: Uint8Array): Promise<{ size: number }> {
    const finalPath = this.pathOf(key);
    const partialPath = finalPath + PARTIAL_SUFFIX;
    const file = await open(partialPath, "r+");
    try {
      await file.truncate(size);
      await file.write(head, 0, head.byteLength, 0);
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(partialPath, finalPath);
    await this.syncFolder(dirname(finalPath));
    return { size };
  }

  /** Removes an unfinished blob; false when there was none. */
  async deletePartial(key: string): Promise<boolean> {
    try {
      await unlink(this.pathOf(key) + PARTIAL_SUFFIX);
      return true;
    } catch (err) {
      if (MISSING.has(errnoCode(err) ?? "")) return false;
      throw err;
    }
  }

  private async collectPartials(folder: string, segments: string[], keys: string[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (MISSING.has(errnoCode(err) ?? "")) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        await this.collectPartials(join(folder, entry.name), [...segments, entry.name], keys);
      } else if (entry.isFile() && entry.name.endsWith(PARTIAL_SUFFIX)) {
        keys.push([...segments, entry.name.slice(0, -PARTIAL_SUFFIX.length)].join("/"));
      }
    }
  }

  private async openFile(key: string): Promise<FileHandle> {
    const path = this.pathOf(key);
    try {
      return await open(path, "r");
    } catch (err) {
      if (MISSING.has(errnoCode(err) ?? "") || errnoCode(err) === "EISDIR") throw notFound(key, err);
      throw err;
    }
  }

  /** Validates the key, then checks the resolved path really is below the root. */
  private pathOf(key: string): string {
    assertValidBlobKey(key);
    const path = resolve(this.root, ...key.split("/"));
    if (!path.startsWith(this.rootPrefix)) {
      throw new BelayError("BLOB_KEY_INVALID", `blob key ${key} resolves outside the store`, { key });
    }
    return path;
  }

  /** Creates missing folders and persists their entries, as finish() does for the file itself. */
  private async ensureDirectory(folder: string): Promise<void> {
    if (this.knownFolders.has(folder)) return;
    const firstCreated = await mkdir(folder, { recursive: true });
    if (firstCreated !== undefined) {
      for (let dir = folder; ; dir = dirname(dir)) {
        await syncDirectory(dirname(dir));
        if (dir === firstCreated || dir === dirname(dir)) break;
      }
    }
    this.rememberFolder(folder);
  }

  private rememberFolder(folder: string): void {
    if (this.knownFolders.size >= KNOWN_FOLDERS_MAX) this.knownFolders.clear();
    this.knownFolders.add(folder);
  }
}

/** One open file handle: sized once, streamed once, closed by the stream or by close(). */
class LocalBlobReader implements BlobReader {
  private used = false;

  constructor(
    private readonly key: string,
    private readonly file: FileHandle,
    readonly size: number,
  ) {}

  stream(range?: ByteRange): Readable {
    if (this.used) {
      throw new BelayError("BLOB_READER_USED", `blob ${this.key} was already streamed or closed`, {
        key: this.key,
      });
    }
    if (range !== undefined) {
      const { start, end } = range;
      if (
        !Number.isSafeInteger(start) ||
        !Number.isSafeInteger(end) ||
        start < 0 ||
        end < start ||
        end >= this.size
      ) {
        throw new BelayError(
          "BLOB_RANGE_INVALID",
          `range ${start}-${end} does not lie within blob ${this.key} (${this.size} bytes)`,
          { key: this.key, start, end, size: this.size },
        );
      }
    }
    this.used = true;
    // autoClose (the default) closes the handle when the stream ends, fails or is destroyed.
    return this.file.createReadStream(range === undefined ? {} : { start: range.start, end: range.end });
  }

  async close(): Promise<void> {
    if (this.used) return;
    this.used = true;
    await this.file.close();
  }
}
