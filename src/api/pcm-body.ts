import { z } from "zod";

/**
 * Audio in a JSON body (virtual calls, devices): base64 of 8 kHz mono 16-bit little-endian PCM,
 * the format Belay works in, so the server never has to guess a file format.
 */
export const pcmAudio = z
  .base64()
  .refine((text) => base64Length(text) % 2 === 0, "must hold whole 16-bit samples (an even number of bytes)");

/** Decoded byte count of valid base64 text, without decoding it. */
function base64Length(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

export function pcmFromBase64(text: string): Int16Array {
  const bytes = Buffer.from(text, "base64");
  const pcm = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2);
  return pcm;
}
