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
}

export interface BlobStat {
  size: number;
}

export interface BlobStore {
  create(key: string): Promise<BlobWriter>;
  stat(key: string): Promise<BlobStat | undefined>;
  /** Reads the whole blob or the inclusive byte range [start, end]. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  delete(key: string): Promise<boolean>;
}
