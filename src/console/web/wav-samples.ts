/**
 * The samples of a 16-bit PCM WAV (what Belay records): the "data" chunk read as little-endian
 * Int16, first channel only. Throws on anything else.
 */
export function wavSamples(buffer: ArrayBuffer): Int16Array {
  const view = new DataView(buffer);
  const tag = (at: number) => String.fromCharCode(...new Uint8Array(buffer, at, 4));
  if (buffer.byteLength < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new Error("not a WAV file");
  let channels = 1;
  let offset = 12;
  while (offset + 8 <= buffer.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    if (id === "fmt ") {
      channels = view.getUint16(offset + 10, true);
      if (view.getUint16(offset + 22, true) !== 16) throw new Error("not 16-bit PCM");
    }
    if (id === "data") {
      const end = Math.min(buffer.byteLength, offset + 8 + size);
      const count = Math.floor((end - offset - 8) / 2 / channels);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(offset + 8 + i * 2 * channels, true);
      return samples;
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error("the WAV file has no data");
}
