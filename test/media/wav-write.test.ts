import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { BelayError, isBelayError } from "../../src/errors.js";
import { FRAME_SAMPLES, toFrames } from "../../src/media/frame.js";
import { readWav } from "../../src/media/wav-read.js";
import {
  encodeWav,
  SIMULATED_WAV_CHUNK_BYTES,
  WAV_CHUNK_BYTES,
  WAV_HEADER_BYTES,
  WavWriter,
} from "../../src/media/wav-write.js";
import type { BlobWriter } from "../../src/store/blob-store.js";
import { toInt16, whiteNoise } from "./signals.js";

/** An in-memory blob whose writes complete on a later turn of the event loop, like a file's. */
class MemoryBlob implements BlobWriter {
  bytes = new Uint8Array(0);
  writeCalls = 0;
  writeAtCalls = 0;
  concurrentWrites = 0;
  maxConcurrentWrites = 0;
  finished = false;
  aborted = false;
  failWriteNumber = -1;

  /** Bytes the disk has room for: a write past them keeps what fits and fails as a full disk. */
  room = Number.POSITIVE_INFINITY;

  async write(chunk: Uint8Array): Promise<void> {
    if (this.bytes.length + chunk.length > this.room) {
      const fits = chunk.subarray(0, this.room - this.bytes.length);
      const grown = new Uint8Array(this.bytes.length + fits.length);
      grown.set(this.bytes);
      grown.set(fits, this.bytes.length);
      this.bytes = grown;
      throw new BelayError("BLOB_DISK_FULL", "the disk is full", { keptBytes: this.bytes.length });
    }
    this.writeCalls++;
    const callNumber = this.writeCalls;
    this.concurrentWrites++;
    this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.concurrentWrites);
    const copy = chunk.slice(); // the caller may not reuse the chunk, but be sure we see it as it was
    await nextTurn();
    this.concurrentWrites--;
    if (callNumber === this.failWriteNumber) throw new Error("disk full");
    const grown = new Uint8Array(this.bytes.length + copy.length);
    grown.set(this.bytes);
    grown.set(copy, this.bytes.length);
    this.bytes = grown;
  }

  async writeAt(position: number, chunk: Uint8Array): Promise<void> {
    assert.ok(position + chunk.length <= this.bytes.length, "writeAt must not move the end");
    this.writeAtCalls++;
    this.bytes.set(chunk, position);
  }

  async finish(): Promise<{ size: number }> {
    this.finished = true;
    return { size: this.bytes.length };
  }

  async abort(): Promise<void> {
    this.aborted = true;
  }

  async truncate(size: number): Promise<void> {
    assert.ok(size <= this.bytes.length, "truncate must not grow the blob");
    this.bytes = this.bytes.slice(0, size);
  }
}

function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
}

describe("WavWriter", () => {
  test("streams frames into a WAV that reads back sample for sample", async () => {
    const blob = new MemoryBlob();
    const writer = new WavWriter(blob);
    await writer.start();
    assert.equal(blob.writeCalls, 0, "the header waits for the first chunk of audio");

    const audio = toInt16(whiteNoise(8000 * 3 + 123, -10, 3));
    for (const frame of toFrames(audio)) writer.append(frame);
    await nextTurn(); // the write starts
    await nextTurn(); // and lands
    assert.equal(blob.bytes.length, WAV_CHUNK_BYTES, "one full chunk: the header and the first audio");
    assert.equal(u32(blob.bytes, 40), 0xffffffff, "data size is a placeholder until finish");
    writer.append(Int16Array.from([7, -7, 32767])); // a partial frame is fine too
    const { sizeBytes, durationMs } = await writer.finish();

    const samples = toFrames(audio).length * FRAME_SAMPLES + 3;
    assert.equal(writer.samples, samples);
    assert.equal(durationMs, (samples * 1000) / 8000);
    assert.equal(sizeBytes, WAV_HEADER_BYTES + samples * 2);
    assert.equal(blob.bytes.length, sizeBytes);
    assert.equal(blob.writeAtCalls, 1, "the header is patched with one write");
    assert.equal(u32(blob.bytes, 4), sizeBytes - 8);
    assert.equal(u32(blob.bytes, 40), samples * 2);
    assert.ok(blob.finished);
    const read = readWav(blob.bytes).pcm8k;
    assert.deepEqual(read.subarray(0, audio.length), audio);
    assert.deepEqual([...read.subarray(samples - 3)], [7, -7, 32767]);
  });

  test("a 3-minute recording never holds more than ~2 s of audio and writes about every 2 s", async () => {
    const blob = new MemoryBlob();
    const writer = new WavWriter(blob);
    await writer.start();
    const frame = toInt16(whiteNoise(FRAME_SAMPLES, -20, 1));
    let maxBuffered = 0;
    const frames = (3 * 60 * 1000) / 20;
    for (let i = 0; i < frames; i++) {
      writer.append(frame);
      maxBuffered = Math.max(maxBuffered, writer.bufferedSamples);
      // Frames arrive over time: give the event loop a turn every 100 ms of audio.
      if (i % 5 === 4) await nextTurn();
    }
    await writer.finish();
    // One chunk (2 s), plus the frames that come while it is written (two turns here, 200 ms).
    const bound = WAV_CHUNK_BYTES / 2 + 10 * FRAME_SAMPLES;
    assert.ok(maxBuffered <= bound, `buffered up to ${maxBuffered / 8000} s`);
    // 44 + 2,880,000 bytes in 32 KB chunks.
    assert.equal(blob.writeCalls, Math.ceil((WAV_HEADER_BYTES + 180 * 16000) / WAV_CHUNK_BYTES));
    assert.equal(blob.maxConcurrentWrites, 1, "writes are issued one at a time, in order");
    assert.equal(readWav(blob.bytes).durationMs, 180_000);
  });

  test("larger chunks (a simulated clock's) write less often and make the same file", async () => {
    const audio = toInt16(whiteNoise(8000 * 30, -10, 5));
    const files: Uint8Array[] = [];
    const writes: number[] = [];
    for (const chunkBytes of [WAV_CHUNK_BYTES, SIMULATED_WAV_CHUNK_BYTES]) {
      const blob = new MemoryBlob();
      const writer = new WavWriter(blob, { chunkBytes });
      await writer.start();
      for (const frame of toFrames(audio)) writer.append(frame);
      await writer.finish();
      files.push(blob.bytes);
      writes.push(blob.writeCalls);
    }
    assert.deepEqual(files[1], files[0]);
    const size = WAV_HEADER_BYTES + audio.length * 2;
    assert.deepEqual(writes, [
      Math.ceil(size / WAV_CHUNK_BYTES),
      Math.ceil(size / SIMULATED_WAV_CHUNK_BYTES),
    ]);
    assert.deepEqual(readWav(files[1] as Uint8Array).pcm8k, audio);
  });

  test("append says which frames sent a chunk to the blob", async () => {
    const blob = new MemoryBlob();
    const chunkBytes = WAV_HEADER_BYTES + 5 * 2 * FRAME_SAMPLES;
    const writer = new WavWriter(blob, { chunkBytes });
    await writer.start();
    const frame = new Int16Array(FRAME_SAMPLES).fill(7);
    const sent = Array.from({ length: 12 }, () => writer.append(frame));
    // Frame k sends a chunk when the bytes so far (header included) reach a chunk boundary with it.
    const chunksAfter = (frames: number) =>
      Math.floor((WAV_HEADER_BYTES + frames * 2 * FRAME_SAMPLES) / chunkBytes);
    const expected = sent.map((_, k) => chunksAfter(k + 1) > chunksAfter(k));
    assert.deepEqual(expected.indexOf(true), 4, "the header and five frames fill the first chunk");
    assert.deepEqual(sent, expected);
    await writer.finish();
    assert.deepEqual(readWav(blob.bytes).pcm8k, new Int16Array(12 * FRAME_SAMPLES).fill(7));
  });

  test("append never waits for the blob: it returns while writes are still pending", async () => {
    const blob = new MemoryBlob();
    const writer = new WavWriter(blob);
    await writer.start();
    const second = new Int16Array(8000).fill(100);
    writer.append(second);
    writer.append(second); // fills the first chunk: a write starts
    writer.append(second);
    assert.equal(writer.bufferedSamples, 3 * 8000);
    await writer.finish();
    assert.equal(writer.bufferedSamples, 0);
    assert.deepEqual(readWav(blob.bytes).pcm8k, new Int16Array(24000).fill(100));
  });

  test("a failed write is kept; finish aborts the blob and throws it", async () => {
    const blob = new MemoryBlob();
    blob.failWriteNumber = 2; // the first chunk goes, the second fails
    const writer = new WavWriter(blob);
    await writer.start();
    for (let i = 0; i < 5 * 50; i++) {
      writer.append(new Int16Array(FRAME_SAMPLES));
      if (i % 10 === 9) await nextTurn();
    }
    await assert.rejects(writer.finish(), /disk full/);
    assert.ok(blob.aborted);
    assert.ok(!blob.finished);
    assert.equal(blob.writeCalls, 2, "no writes after the failure");
  });

  test("a full disk keeps the whole samples that reached it as a valid WAV, cut short", async () => {
    const blob = new MemoryBlob();
    // Room for the header and 1000.5 samples: the odd byte is no sample and is cut off.
    blob.room = 44 + 2001;
    let failure: unknown;
    const writer = new WavWriter(blob, { chunkBytes: 1024, onWriteError: (err) => (failure ??= err) });
    await writer.start();
    const pcm = toInt16(whiteNoise(8000, 0.3, 7));
    for (let i = 0; i < pcm.length; i += FRAME_SAMPLES) {
      writer.append(pcm.subarray(i, i + FRAME_SAMPLES));
      await nextTurn();
    }
    assert.ok(isBelayError(failure, "BLOB_DISK_FULL"), "the writer says the disk filled");
    const finished = await writer.finish();
    assert.deepEqual(finished, { sizeBytes: 44 + 2000, durationMs: 125, cutShort: true });
    assert.ok(blob.finished && !blob.aborted);
    assert.equal(u32(blob.bytes, 4), 36 + 2000, "RIFF size");
    assert.equal(u32(blob.bytes, 40), 2000, "data size");
    assert.deepEqual(readWav(blob.bytes).pcm8k, pcm.subarray(0, 1000));
  });

  test("a disk full before any sample reached it keeps nothing", async () => {
    const blob = new MemoryBlob();
    blob.room = 30;
    const writer = new WavWriter(blob, { chunkBytes: 1024 });
    await writer.start();
    for (let i = 0; i < 10; i++) writer.append(new Int16Array(FRAME_SAMPLES).fill(5));
    await assert.rejects(writer.finish(), (err: unknown) => isBelayError(err, "BLOB_DISK_FULL"));
    assert.ok(blob.aborted && !blob.finished);
  });

  test("abort discards the blob", async () => {
    const blob = new MemoryBlob();
    const writer = new WavWriter(blob);
    await writer.start();
    writer.append(new Int16Array(FRAME_SAMPLES));
    assert.equal(writer.bufferedSamples, FRAME_SAMPLES, "the header is not audio");
    await writer.abort();
    assert.equal(writer.bufferedSamples, 0);
    assert.ok(blob.aborted);
    assert.ok(!blob.finished);
    assert.throws(
      () => writer.append(new Int16Array(FRAME_SAMPLES)),
      (err) => isBelayError(err, "WAV_WRITER_STATE"),
    );
  });

  test("append before start is refused", () => {
    const writer = new WavWriter(new MemoryBlob());
    assert.throws(
      () => writer.append(new Int16Array(FRAME_SAMPLES)),
      (err) => isBelayError(err, "WAV_WRITER_STATE"),
    );
  });

  test("an empty recording is a valid 44-byte WAV", async () => {
    const blob = new MemoryBlob();
    const writer = new WavWriter(blob);
    await writer.start();
    assert.deepEqual(await writer.finish(), { sizeBytes: 44, durationMs: 0, cutShort: false });
    assert.equal(u32(blob.bytes, 40), 0);
    assert.equal(blob.writeCalls, 1, "a recording shorter than a chunk is one write");
    assert.equal(blob.writeAtCalls, 0, "its header was sized in memory");
  });
});

describe("encodeWav", () => {
  test("readWav(encodeWav(x)) is x, sample for sample", () => {
    const pcm = toInt16(whiteNoise(12345, -3, 2));
    pcm[0] = -32768;
    pcm[1] = 32767;
    const bytes = encodeWav(pcm);
    assert.equal(bytes.length, 44 + pcm.length * 2);
    assert.deepEqual(readWav(bytes).pcm8k, pcm);
  });

  test("writes a canonical little-endian header", () => {
    const bytes = encodeWav(Int16Array.from([0x0102, -2]), 16000);
    const text = (from: number) => String.fromCharCode(...bytes.subarray(from, from + 4));
    assert.deepEqual([text(0), text(8), text(12), text(36)], ["RIFF", "WAVE", "fmt ", "data"]);
    assert.equal(u32(bytes, 4), 36 + 4);
    assert.equal(u32(bytes, 24), 16000);
    assert.equal(u32(bytes, 28), 32000);
    assert.equal(u32(bytes, 40), 4);
    assert.deepEqual([...bytes.subarray(44)], [0x02, 0x01, 0xfe, 0xff]);
    const read = readWav(bytes);
    assert.equal(read.sampleRate, 16000);
    assert.equal(read.durationMs, 0.125);
  });
});
