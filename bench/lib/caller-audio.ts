/** What each benchmark caller sends and who it says it is: shared by the generator and the checks. */

/**
 * Call i's audio, frame by frame: noise from an LCG seeded by i, loud for 200 ms then quiet for
 * 100 ms like syllables (so Belay's voice activity detector hears speech: steady noise would become
 * its noise floor), never the two u-law codes that decode to 0 (so silence is told apart from it).
 */
export function* callerAudioBytes(call: number): Generator<Uint8Array> {
  let x = (call * 2654435761 + 12345) >>> 0;
  for (let frame = 0; ; frame++) {
    const loud = frame % 15 < 10;
    const out = new Uint8Array(160);
    for (let i = 0; i < 160; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const r = x >>> 16;
      // Quiet: the smallest u-law magnitudes (0x70-0x7e, 0xf0-0xfe), about -60 dBFS.
      let byte = loud ? r & 0xff : (r & 0x80) | 0x70 | (r % 15);
      if (byte === 0xff || byte === 0x7f) byte ^= 0x01;
      out[i] = byte;
    }
    yield out;
  }
}

/** Call i's From number (E.164, so webhooks carry it as sent). */
export function callerNumber(call: number): string {
  return `+1555${String(1_000_000 + call).slice(1)}`;
}
