/**
 * Spare WAV chunks shared by every recording. A chunk's write settles within milliseconds, while
 * the next chunk of the same recording is wanted a second later: kept by its own writer, a spare
 * would cost every recording a second chunk of memory; shared, a few serve them all. Bounded, so a
 * burst of recordings ending together leaves at most this much behind.
 */
const MAX_POOLED_BYTES = 1024 * 1024;

const free = new Map<number, Uint8Array[]>();
let pooledBytes = 0;

/** A chunk of `size` bytes: a spare if there is one (holding old audio: callers overwrite it), else new. */
export function takeChunk(size: number): Uint8Array {
  const spare = free.get(size)?.pop();
  if (!spare) return new Uint8Array(size);
  pooledBytes -= size;
  return spare;
}

/** Gives back a chunk no one reads or writes any more. */
export function returnChunk(chunk: Uint8Array): void {
  if (pooledBytes + chunk.byteLength > MAX_POOLED_BYTES) return;
  let list = free.get(chunk.byteLength);
  if (!list) {
    list = [];
    free.set(chunk.byteLength, list);
  }
  list.push(chunk);
  pooledBytes += chunk.byteLength;
}
