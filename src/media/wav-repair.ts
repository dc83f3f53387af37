import { SAMPLE_RATE } from "./frame.js";
import { WAV_HEADER_BYTES, wavHeader } from "./wav-write.js";

const BYTES_PER_SAMPLE = 2;
/** The RIFF size and everything after it: what a repair rewrites (the first 4 bytes never change). */
const RIFF_SIZE_OFFSET = 4;

/** What to do with a recording file a crash left half written. */
export type WavRepair =
  /** No audio reached the disk: nothing to keep. */
  | { kind: "empty"; why: string }
  /** Cut the file to `size` bytes and write `header` over its first bytes. */
  | { kind: "repair"; size: number; header: Uint8Array; samples: number; durationMs: number };

/**
 * Decides how to keep a recording that WavWriter was streaming when its process died, from its
 * first bytes and its size on disk: the header's sizes are set to the samples actually there,
 * a torn last sample is cut off. Only Belay's own header (16-bit mono PCM, 44 bytes, sizes
 * "unknown" or already set) is accepted; anything else is "empty" with the reason.
 */
export function planWavRepair(
  head: Uint8Array,
  fileSize: number,
  sampleRate: number = SAMPLE_RATE,
): WavRepair {
  if (fileSize <= WAV_HEADER_BYTES) {
    return {
      kind: "empty",
      why: fileSize === 0 ? "the file is empty" : "the file holds no audio after its header",
    };
  }
  if (head.length < WAV_HEADER_BYTES) return { kind: "empty", why: "the header could not be read whole" };
  // Mono, or a call recorded with its two sides on two channels (StartRecordCall tracks "separate").
  const channels = head[22] === 2 && head[23] === 0 ? 2 : 1;
  const expected = wavHeader(0, sampleRate, channels);
  // Everything but the two size fields must be Belay's header byte for byte.
  for (let i = 0; i < WAV_HEADER_BYTES; i++) {
    const inSizeField = (i >= RIFF_SIZE_OFFSET && i < 8) || i >= WAV_HEADER_BYTES - 4;
    if (!inSizeField && head[i] !== expected[i]) {
      return {
        kind: "empty",
        why: `the header is not a 16-bit ${sampleRate} Hz WAV as Belay writes them (byte ${i} differs)`,
      };
    }
  }
  const block = BYTES_PER_SAMPLE * channels;
  const dataBytes = Math.floor((fileSize - WAV_HEADER_BYTES) / block) * block;
  if (dataBytes === 0) return { kind: "empty", why: "less than one sample follows the header" };
  const samples = dataBytes / block;
  return {
    kind: "repair",
    size: WAV_HEADER_BYTES + dataBytes,
    header: wavHeader(dataBytes, sampleRate, channels),
    samples,
    durationMs: (samples * 1000) / sampleRate,
  };
}
