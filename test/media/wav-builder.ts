/** Builds WAV files of any layout for the reader's tests, independently of src/media/wav-write.ts. */

export interface WavSpec {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  data: Uint8Array;
  /** Write a WAVE_FORMAT_EXTENSIBLE fmt chunk whose sub-format GUID starts with this tag. */
  extensibleSubformat?: number;
  /** Chunks placed between fmt and data. */
  chunksBeforeData?: { id: string; body: Uint8Array }[];
  chunksAfterData?: { id: string; body: Uint8Array }[];
  /** Overrides the data chunk's declared size (0 or 0xFFFFFFFF for streamed files). */
  declaredDataSize?: number;
}

const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

export function buildWav(spec: WavSpec): Uint8Array {
  const blockAlign = (spec.channels * spec.bitsPerSample) / 8;
  const fmt = new Uint8Array(spec.extensibleSubformat === undefined ? 16 : 40);
  const fv = new DataView(fmt.buffer);
  fv.setUint16(0, spec.extensibleSubformat === undefined ? spec.formatTag : 0xfffe, true);
  fv.setUint16(2, spec.channels, true);
  fv.setUint32(4, spec.sampleRate, true);
  fv.setUint32(8, spec.sampleRate * blockAlign, true);
  fv.setUint16(12, blockAlign, true);
  fv.setUint16(14, spec.bitsPerSample, true);
  if (spec.extensibleSubformat !== undefined) {
    fv.setUint16(16, 22, true); // cbSize
    fv.setUint16(18, spec.bitsPerSample, true); // valid bits
    fv.setUint32(20, spec.channels === 1 ? 0x4 : 0x3, true); // channel mask
    fv.setUint16(24, spec.extensibleSubformat, true);
    fmt.set(GUID_TAIL, 26);
  }
  const chunks = [
    chunk("fmt ", fmt),
    ...(spec.chunksBeforeData ?? []).map((c) => chunk(c.id, c.body)),
    chunk("data", spec.data, spec.declaredDataSize),
    ...(spec.chunksAfterData ?? []).map((c) => chunk(c.id, c.body)),
  ];
  const body = concat([ascii("WAVE"), ...chunks]);
  const header = new Uint8Array(8);
  header.set(ascii("RIFF"));
  new DataView(header.buffer).setUint32(4, body.length, true);
  return concat([header, body]);
}

function chunk(id: string, body: Uint8Array, declaredSize = body.length): Uint8Array {
  const head = new Uint8Array(8);
  head.set(ascii(id));
  new DataView(head.buffer).setUint32(4, declaredSize, true);
  const pad = body.length % 2 === 1 ? new Uint8Array(1) : new Uint8Array(0);
  return concat([head, body, pad]);
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Interleaves channels of samples in [-1, 1] into little-endian bytes of the given encoding. */
export function encodeSamples(
  channels: Float64Array[],
  encoding: "u8" | "s16" | "s24" | "s32" | "f32" | "f64",
): Uint8Array {
  const bytesPer = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 }[encoding];
  const frames = channels[0]?.length ?? 0;
  const out = new Uint8Array(frames * channels.length * bytesPer);
  const view = new DataView(out.buffer);
  let at = 0;
  for (let i = 0; i < frames; i++) {
    for (const channel of channels) {
      const v = channel[i] as number;
      switch (encoding) {
        case "u8":
          view.setUint8(at, Math.round(v * 127) + 128);
          break;
        case "s16":
          view.setInt16(at, Math.round(v * 32767), true);
          break;
        case "s24": {
          const s = Math.round(v * 8388607);
          view.setUint16(at, s & 0xffff, true);
          view.setInt8(at + 2, s >> 16);
          break;
        }
        case "s32":
          view.setInt32(at, Math.round(v * 2147483647), true);
          break;
        case "f32":
          view.setFloat32(at, v, true);
          break;
        case "f64":
          view.setFloat64(at, v, true);
          break;
      }
      at += bytesPer;
    }
  }
  return out;
}
