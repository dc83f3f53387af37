import { endianness } from "node:os";
import { BelayError, isBelayError } from "../errors.js";
import type { BlobWriter } from "../store/blob-store.js";
import { returnChunk, takeChunk } from "./chunk-pool.js";
import { SAMPLE_RATE } from "./frame.js";

/** Node runs on little-endian hosts in practice; the byte-order-independent path stays for the rest. */
const LITTLE_ENDIAN = endianness() === "LE";

export const WAV_HEADER_BYTES = 44;
const RIFF_SIZE_OFFSET = 4;
const DATA_SIZE_OFFSET = 40;
/** Written while recording: readers take an unknown data size as "to the end of the file". */
const SIZE_UNKNOWN = 0xffffffff;
const BYTES_PER_SAMPLE = 2;
// Largest data chunk a 32-bit RIFF size can describe (about 74 hours at 8 kHz).
const MAX_DATA_BYTES = 0xffffffff - (WAV_HEADER_BYTES - 8);
const EMPTY = new Uint8Array(0);

/**
 * The canonical 44-byte header of a 16-bit PCM WAV holding `dataBytes` of samples: mono, or two
 * interleaved channels (a call's two sides).
 */
export function wavHeader(
  dataBytes: number,
  sampleRate: number = SAMPLE_RATE,
  channels: 1 | 2 = 1,
): Uint8Array {
  const header = new Uint8Array(WAV_HEADER_BYTES);
  const view = new DataView(header.buffer);
  const unknown = dataBytes === SIZE_UNKNOWN;
  writeAscii(header, 0, "RIFF");
  view.setUint32(RIFF_SIZE_OFFSET, unknown ? SIZE_UNKNOWN : WAV_HEADER_BYTES - 8 + dataBytes, true);
  writeAscii(header, 8, "WAVE");
  writeAscii(header, 12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * BYTES_PER_SAMPLE * channels, true); // byte rate
  view.setUint16(32, BYTES_PER_SAMPLE * channels, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  writeAscii(header, 36, "data");
  view.setUint32(DATA_SIZE_OFFSET, dataBytes, true);
  return header;
}

/** A whole 16-bit mono WAV in memory (prompts, tests). Recordings stream through WavWriter. */
export function encodeWav(pcm: Int16Array, sampleRate: number = SAMPLE_RATE): Uint8Array {
  const dataBytes = pcm.length * BYTES_PER_SAMPLE;
  const bytes = new Uint8Array(WAV_HEADER_BYTES + dataBytes);
  bytes.set(wavHeader(dataBytes, sampleRate));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(WAV_HEADER_BYTES + i * 2, pcm[i] as number, true);
  return bytes;
}

/**
 * Bytes handed to the blob per write: 1 s of 8 kHz audio. What is not yet handed over is what a
 * crash of the process loses (docs/operations/crash-recovery.md), so this is the bound: at most
 * 1.02 s of the caller's last words. Each write is a round trip to the file system's thread pool,
 * about 0.045 ms of CPU whatever its size from 8 to 32 KB (measured, see that page), so a second
 * per write costs a recording 0.045 ms of CPU a second; 2 s halved that and doubled the loss.
 * At least the local blob store's coalescing size, so chunks go to the file without being copied
 * again.
 */
export const WAV_CHUNK_BYTES = 16 * 1024;

/**
 * A recording on a simulated clock arrives thousands of times faster than real time and is gone
 * from memory milliseconds later, so it can afford larger writes: 256 KB (about 16 s of audio)
 * made a 30 s recording 2 writes instead of 15, and took 0.55 ms of CPU off each virtual call.
 */
export const SIMULATED_WAV_CHUNK_BYTES = 256 * 1024;

export interface WavWriterOptions {
  /** Bytes per write to the blob (default WAV_CHUNK_BYTES); also what the writer holds in memory. */
  chunkBytes?: number;
  sampleRate?: number;
  /** 2: each frame appended holds both channels interleaved (left, right, left, …). Default 1. */
  channels?: 1 | 2;
  /** Told once, when a write to the blob fails: later audio is dropped. */
  onWriteError?: (err: unknown) => void;
}

/** What finish() made: the file's size and the audio it holds; `cutShort` when the disk filled. */
export interface FinishedWav {
  sizeBytes: number;
  durationMs: number;
  cutShort: boolean;
}

/**
 * Streams a recording into a blob as a 16-bit mono WAV. The header and the frames are gathered into
 * one chunk that goes to `blob.write` when full (about every second of audio), one write at a time and
 * in order, so append() never waits and memory stays at a chunk or two however long the recording.
 * A failed write is kept: later audio is dropped, and finish() aborts the blob and throws that
 * error, except for a full disk (BLOB_DISK_FULL): then finish() keeps the whole milliseconds of
 * audio that reached the disk as a valid WAV (`cutShort`), or throws if not one did.
 */
export class WavWriter {
  private readonly chunkBytes: number;
  private readonly sampleRate: number;
  private readonly channels: 1 | 2;
  private chunk: Uint8Array;
  private chunkView: DataView;
  /** The chunk as samples; `filled` is always even (a 44-byte header, then 2-byte samples). */
  private chunkSamples: Int16Array;
  private filled = 0;
  /** Bytes handed to the blob so far; while 0, the header is still in `chunk`. */
  private flushedBytes = 0;
  private written = 0; // data bytes appended (buffered or handed to the blob)
  private inFlight = 0; // audio bytes handed to blob.write and not yet settled
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private state: "new" | "open" | "closed" = "new";
  private sampleCount = 0;
  private readonly onWriteError: (err: unknown) => void;

  constructor(
    private readonly blob: BlobWriter,
    options: WavWriterOptions = {},
  ) {
    this.onWriteError = options.onWriteError ?? (() => undefined);
    // At least a header and a frame, so a chunk always has room for audio after the header.
    this.chunkBytes = Math.max(WAV_HEADER_BYTES + 320, Math.floor(options.chunkBytes ?? WAV_CHUNK_BYTES));
    this.sampleRate = options.sampleRate ?? SAMPLE_RATE;
    this.channels = options.channels ?? 1;
    this.chunk = takeChunk(this.chunkBytes);
    this.chunkView = new DataView(this.chunk.buffer);
    this.chunkSamples = new Int16Array(this.chunk.buffer, 0, this.chunkBytes >>> 1);
  }

  /** Samples appended so far. */
  get samples(): number {
    return this.sampleCount;
  }

  /** Audio held in memory right now (buffered or being written), in samples. */
  get bufferedSamples(): number {
    // Until the first write the chunk starts with the header (an aborted writer holds nothing).
    const headerInChunk = this.flushedBytes === 0 && this.filled >= WAV_HEADER_BYTES ? WAV_HEADER_BYTES : 0;
    return (this.filled - headerInChunk + this.inFlight) / BYTES_PER_SAMPLE;
  }

  /**
   * Puts the header, with "unknown" sizes until finish() patches them, at the start of the first
   * chunk: it reaches the blob with the first audio, not as a write of its own.
   */
  start(): Promise<void> {
    this.expectState("new", "start");
    this.state = "open";
    this.chunk.set(wavHeader(SIZE_UNKNOWN, this.sampleRate, this.channels));
    this.filled = WAV_HEADER_BYTES;
    return Promise.resolve();
  }

  /** Returns true when the frame filled a chunk and the chunk went to the blob. */
  append(frame: Int16Array): boolean {
    this.expectState("open", "append");
    // After a failed write the audio has nowhere to go; past 4 GB a WAV cannot describe it.
    if (this.writeError !== undefined || this.written + frame.length * BYTES_PER_SAMPLE > MAX_DATA_BYTES)
      return false;
    const flushedBefore = this.flushedBytes;
    if (LITTLE_ENDIAN && this.filled + frame.byteLength < this.chunkBytes) {
      // The usual frame fits: a sample copy, with no byte view made per frame.
      this.chunkSamples.set(frame, this.filled >>> 1);
      this.filled += frame.byteLength;
    } else if (LITTLE_ENDIAN)
      this.copyBytes(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    else {
      for (let i = 0; i < frame.length; i++) {
        this.chunkView.setInt16(this.filled, frame[i] as number, true);
        this.filled += BYTES_PER_SAMPLE;
        if (this.filled === this.chunkBytes) this.flush();
      }
    }
    this.sampleCount += frame.length;
    this.written += frame.length * BYTES_PER_SAMPLE;
    return this.flushedBytes !== flushedBefore;
  }

  /**
   * Writes what is buffered with the sizes patched into the header (in memory if the header was
   * never written, else with one 40-byte write) and makes the blob durable.
   */
  async finish(): Promise<FinishedWav> {
    this.expectState("open", "finish");
    this.state = "closed";
    const sized = wavHeader(this.written, this.sampleRate, this.channels).subarray(RIFF_SIZE_OFFSET);
    if (this.flushedBytes === 0) this.chunk.set(sized, RIFF_SIZE_OFFSET);
    const patchInFile = this.flushedBytes > 0;
    this.flush();
    await this.writes;
    if (isBelayError(this.writeError, "BLOB_DISK_FULL")) return this.keepWhatFitted(this.writeError);
    if (this.writeError !== undefined) {
      await this.blob.abort().catch(() => undefined);
      throw this.writeError;
    }
    try {
      if (patchInFile) await this.blob.writeAt(RIFF_SIZE_OFFSET, sized);
      const { size } = await this.blob.finish();
      return { sizeBytes: size, durationMs: this.msOf(this.sampleCount), cutShort: false };
    } catch (err) {
      await this.blob.abort().catch(() => undefined);
      throw err;
    }
  }

  /**
   * The disk filled: the header and the whole samples that reached it become the recording, its
   * sizes patched to match. Nothing of the audio made it: the blob goes and the error is thrown.
   */
  private async keepWhatFitted(error: BelayError): Promise<FinishedWav> {
    const keptBytes = Number(error.details.keptBytes ?? 0);
    // Whole milliseconds of audio, so the duration stored and reported is a whole number of ms.
    const unit =
      BYTES_PER_SAMPLE * this.channels * (this.sampleRate % 1000 === 0 ? this.sampleRate / 1000 : 1);
    const dataBytes = Math.floor((keptBytes - WAV_HEADER_BYTES) / unit) * unit;
    try {
      if (dataBytes <= 0) throw error;
      await this.blob.truncate(WAV_HEADER_BYTES + dataBytes);
      await this.blob.writeAt(
        RIFF_SIZE_OFFSET,
        wavHeader(dataBytes, this.sampleRate, this.channels).subarray(RIFF_SIZE_OFFSET),
      );
      const { size } = await this.blob.finish();
      return { sizeBytes: size, durationMs: this.msOf(dataBytes / BYTES_PER_SAMPLE), cutShort: true };
    } catch (err) {
      await this.blob.abort().catch(() => undefined);
      throw err;
    }
  }

  /** Samples counted across channels: a stereo second is 2 × sampleRate of them. */
  private msOf(samples: number): number {
    return (samples * 1000) / (this.sampleRate * this.channels);
  }

  /** Stops writing and throws the partial blob away. */
  async abort(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    this.filled = 0;
    await this.writes;
    await this.blob.abort();
  }

  /**
   * WAV is little-endian, as the host is: the frame's bytes go in as they are, split where the
   * frame fills the chunk.
   */
  private copyBytes(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      const n = Math.min(bytes.length - offset, this.chunkBytes - this.filled);
      this.chunk.set(bytes.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.chunkBytes) this.flush();
    }
  }

  private flush(): void {
    if (this.filled === 0) return;
    const written = this.chunk;
    const full = written.subarray(0, this.filled);
    const audioBytes = this.filled - (this.flushedBytes === 0 ? WAV_HEADER_BYTES : 0);
    this.flushedBytes += this.filled;
    // A closed writer sends its last chunk and needs no next one. Otherwise a spare whose write
    // has settled (chunk-pool.ts), not 16 KB outside V8's heap per second of every recording: that
    // rate of external bytes is what kept V8's major GC running.
    this.chunk = this.state === "closed" ? EMPTY : takeChunk(this.chunkBytes);
    this.chunkView = new DataView(this.chunk.buffer);
    this.chunkSamples = new Int16Array(this.chunk.buffer, 0, this.chunk.length >>> 1);
    this.filled = 0;
    this.enqueue(full, audioBytes, written);
  }

  /** `chunk`: the whole buffer `bytes` lies in, free for reuse once the write has settled. */
  private enqueue(bytes: Uint8Array, audioBytes: number, chunk: Uint8Array): void {
    this.inFlight += audioBytes;
    this.writes = this.writes
      .then(() => (this.writeError === undefined ? this.blob.write(bytes) : undefined))
      .catch((err: unknown) => {
        if (this.writeError !== undefined) return;
        this.writeError = err;
        this.onWriteError(err);
      })
      .finally(() => {
        this.inFlight -= audioBytes;
        // The blob is done with it (BlobWriter: a chunk stays unchanged until its write settles).
        if (chunk.byteLength === this.chunkBytes) returnChunk(chunk);
      });
  }

  private expectState(expected: "new" | "open", action: string): void {
    if (this.state !== expected) {
      throw new BelayError("WAV_WRITER_STATE", `cannot ${action} a WAV writer that is ${this.state}`);
    }
  }
}

function writeAscii(bytes: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
}
