import { readFile } from "node:fs/promises";
import { BelayError } from "../errors.js";
import { readWav } from "../media/wav-read.js";

/** A WAV file a user named, as 8 kHz mono PCM; refused with the reason before anything is dialled. */
export async function readWavFile(file: string): Promise<Int16Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new BelayError(
      "CLI_AUDIO",
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  try {
    return readWav(bytes).pcm8k;
  } catch (err) {
    throw new BelayError("CLI_AUDIO", `${file} is not a usable WAV: ${(err as Error).message}`);
  }
}

/** PCM as the API takes it: base64 of 16-bit little-endian samples (this machine's order, as Node runs only on little-endian ones). */
export function pcmToBase64(pcm: Int16Array): string {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString("base64");
}

/** commander's accumulator for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
