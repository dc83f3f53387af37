import type { Readable } from "node:stream";

/**
 * Where recording files live: a local folder now, S3-compatible storage when scaled out.
 * Writers stream: a recording is appended frame by frame and never held whole in memory.
 */
export interface BlobWriter {
  /** Appends bytes at the end of what was written so far. */
  write(chunk: Uint8Array): Promise<void>;
  /** Overwrites bytes already written (a WAV header's size fields), without moving the end. */
  writeAt(position: number, chunk: Uint8Array): Promise<void>;
  /** Makes the blob durable and visible to readers; resolves with its size in bytes. */
  finish(): Promise<{ size: number }>;
  /** Throws the partial blob away. */
  abort(): Promise<void>;
  /**
   * Cuts the blob to its first `size` bytes. After a write failed for lack of space
   * (BLOB_DISK_FULL, whose details give `keptBytes`: what reached the disk), this clears the
   * failure, so what was written can still be patched and finished.
   */
  truncate(size: number): Promise<void>;
}

export interface BlobStat {
  size: number;
}

/** An inclusive byte range: bytes start..end. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A blob opened for reading: its size is known before any byte is sent (a Range reply needs it),
 * and the bytes streamed are those of the same file even if it is deleted meanwhile.
 */
export interface BlobReader {
  readonly size: number;
  /** Streams the whole blob or one range, once; the reader closes when the stream ends. */
  stream(range?: ByteRange): Readable;
  /** Releases the reader without streaming (e.g. an unsatisfiable range). Safe to call twice. */
  close(): Promise<void>;
}

export interface BlobStore {
  create(key: string): Promise<BlobWriter>;
  stat(key: string): Promise<BlobStat | undefined>;
  /** Reads the whole blob or the inclusive byte range [start, end]. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Opens the blob for a sized read; BLOB_NOT_FOUND when it does not exist. */
  open(key: string): Promise<BlobReader>;
  delete(key: string): Promise<boolean>;
}

/**
 * Blobs a writer left unfinished when its process died, for start-up to keep or remove
 * (docs/operations/crash-recovery.md). Only used while no writer can be live.
 */
export interface PartialBlobs {
  listPartials(): Promise<string[]>;
  inspectPartial(key: string, headBytes: number): Promise<{ size: number; head: Uint8Array } | undefined>;
  /** Cuts it to `size`, writes `head` at its start, and makes it durable and visible under `key`. */
  completePartial(key: string, size: number, head: Uint8Array): Promise<{ size: number }>;
  deletePartial(key: string): Promise<boolean>;
}
