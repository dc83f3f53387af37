import type { FileHandle } from "node:fs/promises";
import { rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { BelayError, isBelayError, isDiskFullError } from "../errors.js";
import type { BlobWriter } from "./blob-store.js";
import type { DiskFullSignals } from "./local-blob-store.js";

/**
 * Frames arrive a few hundred bytes at a time; gathering them into one write per this many bytes
 * turns ~50 syscalls a second per recording into about one. No more than a WAV chunk: a chunk goes
 * straight to the file, so bytes held here never add to what a crash loses.
 */
const COALESCE_BYTES = 16 * 1024;

/** The write was not tried: the disk is already known to be full. */
class DiskKnownFull extends Error {
  readonly code = "ENOSPC";
}

type WriterState = "open" | "finishing" | "finished" | "aborted";

/**
 * Writes `<final>.partial` and renames it into place on finish. Operations run one at a time in
 * call order, so a caller may fire writes without awaiting each; a chunk must stay unchanged until
 * its promise resolves. After any failed write the writer only rejects (the blob would have a
 * hole), and abort() is the way out.
 */
export class LocalBlobWriter implements BlobWriter {
  private buffer: Buffer | null = null;
  private buffered = 0;
  /** Bytes already in the file; the buffer holds the ones after. */
  private flushedEnd = 0;
  /** Bytes accepted so far, queued ones included: the end as callers see it. */
  private acceptedEnd = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private state: WriterState = "open";

  constructor(
    private readonly file: FileHandle,
    private readonly partialPath: string,
    private readonly finalPath: string,
    private readonly syncDirectory: (dir: string) => Promise<void>,
    private readonly disk: DiskFullSignals = {},
  ) {}

  write(chunk: Uint8Array): Promise<void> {
    if (this.state !== "open") return this.closedError("write");
    this.acceptedEnd += chunk.byteLength;
    return this.enqueue(() => this.append(chunk));
  }

  writeAt(position: number, chunk: Uint8Array): Promise<void> {
    if (this.state !== "open") return this.closedError("writeAt");
    if (!Number.isSafeInteger(position) || position < 0 || position + chunk.byteLength > this.acceptedEnd) {
      return Promise.reject(
        new BelayError(
          "BLOB_WRITE_RANGE",
          `writeAt(${position}, ${chunk.byteLength} bytes) reaches past the ${this.acceptedEnd} bytes written`,
          { position, length: chunk.byteLength, written: this.acceptedEnd },
        ),
      );
    }
    return this.enqueue(() => this.overwrite(position, chunk));
  }

  finish(): Promise<{ size: number }> {
    if (this.state !== "open") return this.closedError("finish");
    this.state = "finishing";
    return this.enqueue(async () => {
      await this.flush();
      // Data first, then the name: after a crash the final name never points at a torn file.
      // fdatasync: the data and the size, without the timestamps a full fsync also writes.
      await this.file.datasync();
      await this.file.close();
      await rename(this.partialPath, this.finalPath);
      await this.syncDirectory(dirname(this.finalPath));
      this.state = "finished";
      this.buffer = null;
      return { size: this.flushedEnd };
    });
  }

  async abort(): Promise<void> {
    if (this.state === "finished" || this.state === "aborted") return;
    this.state = "aborted";
    await this.tail;
    this.buffer = null;
    await this.file.close().catch(() => undefined);
    await rm(this.partialPath, { force: true });
  }

  truncate(size: number): Promise<void> {
    if (this.state !== "open") return this.closedError("truncate");
    const run = this.tail.then(async () => {
      const diskFull = this.failure !== undefined && isBelayError(this.failure, "BLOB_DISK_FULL");
      if (this.failure !== undefined && !diskFull) throw this.failure;
      // After a full disk the buffer held what did not fit: only the bytes in the file count.
      const kept = diskFull ? ((this.failure as BelayError).details.keptBytes as number) : this.acceptedEnd;
      if (!Number.isSafeInteger(size) || size < 0 || size > kept) {
        throw new BelayError("BLOB_WRITE_RANGE", `truncate(${size}) reaches past the ${kept} bytes written`, {
          size,
          written: kept,
        });
      }
      if (diskFull) {
        this.flushedEnd = kept;
        this.buffered = 0;
      }
      if (size >= this.flushedEnd && !diskFull) this.buffered = size - this.flushedEnd;
      else {
        this.buffered = 0;
        await this.file.truncate(size);
        this.flushedEnd = size;
      }
      this.acceptedEnd = size;
      this.failure = undefined;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return op();
    });
    this.tail = run.catch((err: unknown) => {
      this.failure ??= err;
    });
    return run;
  }

  private closedError(operation: string): Promise<never> {
    return Promise.reject(
      new BelayError("BLOB_WRITER_CLOSED", `${operation} on a blob writer that is ${this.state}`, {
        state: this.state,
      }),
    );
  }

  private async append(chunk: Uint8Array): Promise<void> {
    const length = chunk.byteLength;
    if (this.buffered + length > COALESCE_BYTES) await this.flush();
    if (length >= COALESCE_BYTES) {
      await this.writeFully(chunk, this.flushedEnd);
      this.flushedEnd += length;
      return;
    }
    this.buffer ??= Buffer.allocUnsafe(COALESCE_BYTES);
    this.buffer.set(chunk, this.buffered);
    this.buffered += length;
  }

  /** The bytes may lie in the file, in the buffer, or straddle both. */
  private async overwrite(position: number, chunk: Uint8Array): Promise<void> {
    let done = 0;
    if (position < this.flushedEnd) {
      done = Math.min(chunk.byteLength, this.flushedEnd - position);
      await this.writeFully(chunk.subarray(0, done), position);
    }
    if (done < chunk.byteLength && this.buffer !== null) {
      this.buffer.set(chunk.subarray(done), position + done - this.flushedEnd);
    }
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0 || this.buffer === null) return;
    await this.writeFully(this.buffer.subarray(0, this.buffered), this.flushedEnd);
    this.flushedEnd += this.buffered;
    this.buffered = 0;
  }

  /**
   * Positional writes only: the file is not opened for append, so `position` is honoured. A full
   * disk becomes BLOB_DISK_FULL saying how many bytes of the blob reached the file.
   */
  private async writeFully(data: Uint8Array, position: number): Promise<void> {
    let offset = 0;
    try {
      // A write that only grows the blob waits for room: the disk is already known to be full.
      if (position >= this.flushedEnd && this.disk.diskIsFull?.()) throw new DiskKnownFull();
      while (offset < data.byteLength) {
        const { bytesWritten } = await this.file.write(
          data,
          offset,
          data.byteLength - offset,
          position + offset,
        );
        offset += bytesWritten;
      }
    } catch (err) {
      if (!(err instanceof DiskKnownFull)) {
        if (!isDiskFullError(err)) throw err;
        this.disk.onDiskFull?.();
      }
      // Appends run at the end, so the file holds everything before position + offset.
      const keptBytes = position >= this.flushedEnd ? position + offset : this.flushedEnd;
      throw new BelayError(
        "BLOB_DISK_FULL",
        `the disk is full: ${keptBytes} bytes of ${this.finalPath} were written`,
        { keptBytes },
        { cause: err },
      );
    }
  }
}
