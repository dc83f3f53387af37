import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FRAME_SAMPLES, toFrames } from "../../src/media/frame.js";
import { readWav } from "../../src/media/wav-read.js";
import { planWavRepair } from "../../src/media/wav-repair.js";
import {
  encodeWav,
  WAV_CHUNK_BYTES,
  WAV_HEADER_BYTES,
  WavWriter,
  wavHeader,
} from "../../src/media/wav-write.js";
import { LocalBlobStore } from "../../src/store/local-blob-store.js";

/** A recording cut short: WavWriter streams to a real file and is abandoned, as a crash leaves it. */

const KEY = `recordings/AC${"1".repeat(40)}/RE${"2".repeat(40)}.wav`;

/** Every sample distinct from its neighbours, so any shift or loss shows. */
function ramp(samples: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => ((i * 37) % 60_000) - 30_000);
}

/** Samples of `total` that WavWriter has handed to the blob: whole chunks, the first holding the header. */
function flushed(total: number): number {
  const bytes = WAV_HEADER_BYTES + total * 2;
  return (Math.floor(bytes / WAV_CHUNK_BYTES) * WAV_CHUNK_BYTES - WAV_HEADER_BYTES) / 2;
}

let dir: string;
let blobs: LocalBlobStore;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "belay-wav-repair-"));
});
after(() => rm(dir, { recursive: true, force: true }));

async function abandonedRecording(pcm: Int16Array, key = KEY): Promise<string> {
  blobs = new LocalBlobStore(join(dir, "blobs"));
  const writer = new WavWriter(await blobs.create(key));
  await writer.start();
  for (const frame of toFrames(pcm)) writer.append(frame);
  // The chunks handed over reach the file; what stays in memory (under a chunk) dies with the process.
  const heldAtMost = WAV_CHUNK_BYTES / 2;
  while (
    writer.bufferedSamples >= heldAtMost ||
    writer.bufferedSamples !== pcm.length - flushed(pcm.length)
  ) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return `${join(blobs.root, ...key.split("/"))}.partial`;
}

describe("planWavRepair", () => {
  test("a partial WAV with unknown sizes becomes a valid WAV of the whole samples on disk", async () => {
    // 2.5 chunks of audio: two chunks reach the file, half a chunk is in memory when the process dies.
    const pcm = ramp(Math.floor((2.5 * WAV_CHUNK_BYTES) / 2 / FRAME_SAMPLES) * FRAME_SAMPLES);
    const partialPath = await abandonedRecording(pcm);
    const onDisk = await readFile(partialPath);
    assert.equal(onDisk.length, 2 * WAV_CHUNK_BYTES, "two chunks reached the disk");
    assert.equal(onDisk.readUInt32LE(40), 0xffffffff, "sizes still unknown, as the crash left them");

    const plan = planWavRepair(onDisk.subarray(0, WAV_HEADER_BYTES), onDisk.length);
    assert.equal(plan.kind, "repair");
    if (plan.kind !== "repair") return;
    const samples = (2 * WAV_CHUNK_BYTES - WAV_HEADER_BYTES) / 2;
    assert.deepEqual([plan.size, plan.samples, plan.durationMs], [2 * WAV_CHUNK_BYTES, samples, samples / 8]);
    await blobs.completePartial(KEY, plan.size, plan.header);

    const repaired = await readFile(join(blobs.root, ...KEY.split("/")));
    assert.equal(repaired.readUInt32LE(4), repaired.length - 8, "RIFF size");
    assert.equal(repaired.readUInt32LE(40), repaired.length - WAV_HEADER_BYTES, "data size");
    const wav = readWav(repaired);
    assert.deepEqual([wav.sampleRate, wav.channels, wav.bitsPerSample], [8000, 1, 16]);
    assert.deepEqual(wav.pcm8k, pcm.subarray(0, samples), "sample for sample, the prefix the caller said");
    assert.deepEqual(
      repaired,
      Buffer.from(encodeWav(pcm.subarray(0, samples))),
      "byte for byte a finished WAV",
    );
  });

  test("a torn last sample is cut off", async () => {
    const key = `recordings/AC${"1".repeat(40)}/RE${"3".repeat(40)}.wav`;
    const pcm = ramp(Math.ceil(WAV_CHUNK_BYTES / 2 / FRAME_SAMPLES) * FRAME_SAMPLES);
    const partialPath = await abandonedRecording(pcm, key);
    await appendFile(partialPath, Buffer.from([0x7f]));
    const onDisk = await readFile(partialPath);
    assert.equal(onDisk.length % 2, 1);
    const plan = planWavRepair(onDisk.subarray(0, WAV_HEADER_BYTES), onDisk.length);
    assert.equal(plan.kind, "repair");
    if (plan.kind !== "repair") return;
    assert.equal(plan.size, onDisk.length - 1);
    assert.equal(new DataView(plan.header.buffer).getUint32(40, true), plan.size - WAV_HEADER_BYTES);
  });

  test("a header already sized (finished before the crash) is sized again from the file", () => {
    const head = wavHeader(1000);
    const plan = planWavRepair(head, WAV_HEADER_BYTES + 600);
    assert.equal(plan.kind, "repair");
    if (plan.kind === "repair") assert.equal(plan.samples, 300);
  });

  test("no audio on disk: a 0-byte file, a header alone, or less than one sample", () => {
    assert.deepEqual(planWavRepair(new Uint8Array(0), 0), { kind: "empty", why: "the file is empty" });
    const header = wavHeader(0xffffffff);
    assert.equal(planWavRepair(header, WAV_HEADER_BYTES).kind, "empty");
    assert.equal(planWavRepair(header, WAV_HEADER_BYTES + 1).kind, "empty");
    assert.equal(planWavRepair(header.subarray(0, 20), 20).kind, "empty");
  });

  test("a file that is not Belay's 16-bit 8 kHz WAV is not kept, and says why", () => {
    const threeChannels = wavHeader(0xffffffff);
    threeChannels[22] = 3;
    const plan = planWavRepair(threeChannels, 1000);
    assert.equal(plan.kind, "empty");
    if (plan.kind === "empty")
      assert.match(plan.why, /not a 16-bit 8000 Hz WAV as Belay writes them \(byte 22 differs\)/);
    assert.equal(planWavRepair(new Uint8Array(WAV_HEADER_BYTES), 1000).kind, "empty", "zeros");
  });

  test("a two-channel recording (a call's two sides) is cut to whole left-right pairs", () => {
    const plan = planWavRepair(wavHeader(0xffffffff, 8000, 2), WAV_HEADER_BYTES + 4 * 100 + 3);
    assert.equal(plan.kind, "repair");
    if (plan.kind !== "repair") return;
    assert.equal(plan.size, WAV_HEADER_BYTES + 400);
    assert.equal(plan.samples, 100);
    assert.deepEqual(plan.header, wavHeader(400, 8000, 2));
  });
});
