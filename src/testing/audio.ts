import { readFile } from "node:fs/promises";
import { BelayError } from "../errors.js";
import { readWav } from "../media/wav-read.js";

/** A WAV file (path or bytes) as the kit feeds it to a call: 8 kHz mono 16-bit samples. */
export async function wavSamples(wav: string | Uint8Array): Promise<Int16Array> {
  const what = typeof wav === "string" ? wav : "the audio bytes";
  let bytes: Uint8Array;
  if (typeof wav === "string") {
    try {
      bytes = await readFile(wav);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new BelayError("TESTKIT_AUDIO", `cannot read audio ${wav}: ${code}`);
    }
  } else bytes = wav;
  try {
    return readWav(bytes).pcm8k;
  } catch (err) {
    throw new BelayError("TESTKIT_AUDIO", `${what} is not a usable WAV: ${(err as Error).message}`);
  }
}

/**
 * Where `needle` (e.g. the caller's message) appears sample for sample in `haystack` (e.g. a
 * recording): the index of its first non-zero sample, or -1. The needle's leading and trailing
 * zero samples are left out of the match, since a recording may start or end inside them.
 */
export function findAudio(haystack: Int16Array, needle: Int16Array): number {
  let start = 0;
  let end = needle.length;
  while (start < end && needle[start] === 0) start++;
  while (end > start && needle[end - 1] === 0) end--;
  if (start === end) return -1;
  const core = needle.subarray(start, end);
  const first = core[0];
  for (let at = 0; at + core.length <= haystack.length; at++) {
    if (haystack[at] !== first) continue;
    let i = 1;
    while (i < core.length && haystack[at + i] === core[i]) i++;
    if (i === core.length) return at;
  }
  return -1;
}
