/**
 * ITU-T G.711 µ-law and A-law, the two codecs of the telephone network (RTP payload types 0 and 8).
 *
 * Everything goes through tables built once at load: these run for every RTP packet. The formulas
 * follow the ITU-T G.191 reference implementation, so results match the ITU test vectors: negative
 * samples are folded with a ones' complement (~x), which keeps the codes symmetric around zero and
 * makes encode(decode(code)) return the code for every code except µ-law 0x7F ("negative zero",
 * which decodes to 0 and so encodes back as 0xFF).
 */

const ULAW_BIAS = 0x84; // 132: added before the segment search, so segment boundaries fall on powers of two
const ULAW_CLIP = 0x1fff; // largest 14-bit magnitude after the bias

/** 256 codes → 16-bit samples. */
const ULAW_TO_LINEAR = new Int16Array(256);
const ALAW_TO_LINEAR = new Int16Array(256);
/** µ-law keeps 14 bits of the sample: indexed by (sample >> 2) + 8192. */
const LINEAR_TO_ULAW = new Uint8Array(1 << 14);
/** A-law keeps 12 bits of the sample: indexed by (sample >> 4) + 2048. */
const LINEAR_TO_ALAW = new Uint8Array(1 << 12);

function ulawToLinearSlow(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return inverted & 0x80 ? -magnitude : magnitude;
}

function alawToLinearSlow(code: number): number {
  const folded = (code ^ 0x55) & 0x7f;
  const exponent = folded >> 4;
  let mantissa = folded & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code & 0x80 ? mantissa : -mantissa;
}

/** `top14` is the sample's upper 14 bits, as a signed number. */
function linearToUlawSlow(top14: number): number {
  const negative = top14 < 0;
  let magnitude = (negative ? ~top14 : top14) + (ULAW_BIAS >> 2);
  if (magnitude > ULAW_CLIP) magnitude = ULAW_CLIP;
  let segment = 1;
  for (let rest = magnitude >> 6; rest !== 0; rest >>= 1) segment++;
  const high = 8 - segment;
  const low = 15 - ((magnitude >> segment) & 0x0f);
  const code = (high << 4) | low;
  return negative ? code : code | 0x80;
}

/** `top12` is the sample's upper 12 bits, as a signed number. */
function linearToAlawSlow(top12: number): number {
  const negative = top12 < 0;
  let folded = negative ? ~top12 : top12;
  if (folded > 15) {
    let exponent = 1;
    while (folded > 31) {
      folded >>= 1;
      exponent++;
    }
    folded = folded - 16 + (exponent << 4);
  }
  if (!negative) folded |= 0x80;
  return folded ^ 0x55;
}

for (let code = 0; code < 256; code++) {
  ULAW_TO_LINEAR[code] = ulawToLinearSlow(code);
  ALAW_TO_LINEAR[code] = alawToLinearSlow(code);
}
for (let i = 0; i < LINEAR_TO_ULAW.length; i++) LINEAR_TO_ULAW[i] = linearToUlawSlow(i - 8192);
for (let i = 0; i < LINEAR_TO_ALAW.length; i++) LINEAR_TO_ALAW[i] = linearToAlawSlow(i - 2048);

/** One µ-law code (0..255) to a 16-bit sample. */
export function ulawDecode(byte: number): number {
  return ULAW_TO_LINEAR[byte & 0xff] as number;
}

/** One 16-bit sample (clamped to the Int16 range) to a µ-law code. */
export function ulawEncode(sample: number): number {
  return LINEAR_TO_ULAW[(clampInt16(sample) >> 2) + 8192] as number;
}

/** One A-law code (0..255) to a 16-bit sample. */
export function alawDecode(byte: number): number {
  return ALAW_TO_LINEAR[byte & 0xff] as number;
}

/** One 16-bit sample (clamped to the Int16 range) to an A-law code. */
export function alawEncode(sample: number): number {
  return LINEAR_TO_ALAW[(clampInt16(sample) >> 4) + 2048] as number;
}

/** Decodes a µ-law payload. Pass `out` (at least as long) to reuse a buffer per packet. */
export function decodeUlaw(bytes: Uint8Array, out: Int16Array = new Int16Array(bytes.length)): Int16Array {
  for (let i = 0; i < bytes.length; i++) out[i] = ULAW_TO_LINEAR[bytes[i] as number] as number;
  return out;
}

/** Encodes PCM as µ-law. Pass `out` (at least as long) to reuse a buffer per packet. */
export function encodeUlaw(pcm: Int16Array, out: Uint8Array = new Uint8Array(pcm.length)): Uint8Array {
  for (let i = 0; i < pcm.length; i++) out[i] = LINEAR_TO_ULAW[((pcm[i] as number) >> 2) + 8192] as number;
  return out;
}

/** Decodes an A-law payload. Pass `out` (at least as long) to reuse a buffer per packet. */
export function decodeAlaw(bytes: Uint8Array, out: Int16Array = new Int16Array(bytes.length)): Int16Array {
  for (let i = 0; i < bytes.length; i++) out[i] = ALAW_TO_LINEAR[bytes[i] as number] as number;
  return out;
}

/** Encodes PCM as A-law. Pass `out` (at least as long) to reuse a buffer per packet. */
export function encodeAlaw(pcm: Int16Array, out: Uint8Array = new Uint8Array(pcm.length)): Uint8Array {
  for (let i = 0; i < pcm.length; i++) out[i] = LINEAR_TO_ALAW[((pcm[i] as number) >> 4) + 2048] as number;
  return out;
}

function clampInt16(sample: number): number {
  const rounded = Math.round(sample);
  if (rounded > 32767) return 32767;
  if (rounded < -32768) return -32768;
  return rounded | 0;
}
