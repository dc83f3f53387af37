import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { BlobStore } from "../store/blob-store.js";

/**
 * A virtual device's voice in the blob store: raw 8 kHz mono 16-bit little-endian PCM, the same
 * bytes the API takes as base64. A fresh key per device, so removing and re-adding a number never
 * races with a call still reading the old audio.
 */
export async function saveDeviceAudio(
  blobs: BlobStore,
  accountId: string,
  phoneNumber: string,
  pcm: Int16Array,
): Promise<string> {
  const key = `devices/${accountId}/${phoneNumber.replace(/\D/g, "")}-${randomBytes(8).toString("hex")}.pcm`;
  const writer = await blobs.create(key);
  try {
    const bytes = Buffer.alloc(pcm.length * 2);
    for (let i = 0; i < pcm.length; i++) bytes.writeInt16LE(pcm[i] as number, i * 2);
    await writer.write(bytes);
    await writer.finish();
    return key;
  } catch (err) {
    await writer.abort().catch(() => undefined);
    throw err;
  }
}

export async function loadDeviceAudio(blobs: BlobStore, key: string): Promise<Int16Array> {
  const bytes = await readAll(await blobs.read(key));
  const pcm = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
  return pcm;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
