/** Two seconds of a soft two-note chime as an 8 kHz mono 16-bit WAV: hold music with no file to ship. */
export function holdMusicWav(): Uint8Array {
  const rate = 8000;
  const samples = new Int16Array(rate * 2);
  for (let i = 0; i < samples.length; i++) {
    const hz = i < rate ? 392 : 494;
    samples[i] = Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer)]);
}
