import { readFile } from "node:fs/promises";
import { BelayError } from "../errors.js";
import { SAMPLE_RATE } from "./frame.js";
import { alawDecode, ulawDecode } from "./g711.js";
import { resampleTo8k } from "./resample.js";

export type WavSampleFormat = "pcm" | "float" | "ulaw" | "alaw";

export interface WavAudio {
  /** The file's own rate, channel count and sample size. */
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format: WavSampleFormat;
  durationMs: number;
  /** The audio as Belay uses it: 8 kHz, mono, 16-bit. */
  pcm8k: Int16Array;
}

const MIN_RATE = 8000;
const MAX_RATE = 48000;
const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2..15 shared by every KSDATAFORMAT_SUBTYPE GUID whose first two bytes are a format tag. */
const SUBFORMAT_GUID_TAIL = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];
/** A data chunk size meaning "unknown: read to the end" (streamed or interrupted writers). */
const SIZE_UNKNOWN = 0xffffffff;

const CODEC_NAMES: Record<number, string> = {
  2: "Microsoft ADPCM",
  17: "IMA ADPCM",
  34: "TrueSpeech",
  49: "GSM 6.10",
  64: "G.721 ADPCM",
  80: "MPEG",
  85: "MP3",
  100: "G.726 ADPCM",
  353: "Windows Media Audio",
  5648: "AAC",
  26448: "Vorbis",
  61868: "FLAC",
};

const CONVERT_HINT =
  "convert it to 16-bit PCM, e.g. `ffmpeg -i in.wav -ac 1 -ar 8000 -c:a pcm_s16le out.wav`";

interface FormatChunk {
  format: WavSampleFormat;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

/** Reads a WAV file and returns its audio as 8 kHz mono 16-bit PCM. */
export async function readWavFile(path: string): Promise<WavAudio> {
  const bytes = await readFile(path);
  try {
    return readWav(bytes);
  } catch (err) {
    if (err instanceof BelayError) {
      throw new BelayError(err.code, `${path}: ${err.message}`, { ...err.details, path }, { cause: err });
    }
    throw err;
  }
}

/**
 * Parses any common WAV (PCM 8/16/24/32-bit, float 32/64-bit, A-law, µ-law, plain or
 * WAVE_FORMAT_EXTENSIBLE; 8–48 kHz; mono or stereo) and converts it to 8 kHz mono 16-bit.
 * An 8 kHz mono 16-bit file comes out bit-identical. Throws BelayError("WAV_INVALID") with a
 * reason the user can act on.
 */
export function readWav(bytes: Uint8Array): WavAudio {
  if (bytes.length === 0) invalid("the file is empty");
  if (bytes.length < 12) invalid(`the file is only ${bytes.length} bytes long, too short for a WAV header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkRiffHeader(bytes);

  let fmt: FormatChunk | undefined;
  let dataStart = -1;
  let dataEnd = -1;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = fourCc(bytes, offset);
    const declared = view.getUint32(offset + 4, true);
    const bodyStart = offset + 8;
    if (id === "data") {
      dataStart = bodyStart;
      if (declared === 0 || declared === SIZE_UNKNOWN) {
        dataEnd = bytes.length;
        break;
      }
      if (bodyStart + declared > bytes.length) {
        invalid(
          `the file is truncated: its data chunk declares ${declared} bytes but only ${bytes.length - bodyStart} are present`,
        );
      }
      dataEnd = bodyStart + declared;
    } else if (bodyStart + declared > bytes.length) {
      if (dataStart >= 0) break; // junk after the audio: ignore it
      invalid(`the file is truncated inside its "${printable(id)}" chunk`);
    } else if (id === "fmt ") {
      fmt = parseFormat(view, bodyStart, declared);
    }
    offset = bodyStart + declared + (declared & 1); // chunks are padded to an even size
  }

  if (!fmt) invalid('there is no "fmt " chunk describing the audio');
  if (dataStart < 0) invalid('there is no "data" chunk: the file holds no audio');
  return decode(view, dataStart, dataEnd, fmt);
}

function checkRiffHeader(bytes: Uint8Array): void {
  const magic = fourCc(bytes, 0);
  if (magic === "RIFF") {
    if (fourCc(bytes, 8) !== "WAVE")
      invalid(`this is a RIFF file of type "${printable(fourCc(bytes, 8))}", not WAVE`);
    return;
  }
  if (magic === "RIFX") invalid(`it is a big-endian (RIFX) WAV, which Belay does not read; ${CONVERT_HINT}`);
  if (magic === "RF64") invalid(`it is an RF64 (over 4 GB) WAV, which Belay does not read; ${CONVERT_HINT}`);
  const guess =
    magic.startsWith("ID3") || (bytes[0] === 0xff && ((bytes[1] as number) & 0xe0) === 0xe0)
      ? "it looks like an MP3 file"
      : magic === "OggS"
        ? "it looks like an Ogg file"
        : magic === "fLaC"
          ? "it looks like a FLAC file"
          : "it does not start with a RIFF header";
  invalid(`it is not a WAV file (${guess}); ${CONVERT_HINT}`);
}

function parseFormat(view: DataView, start: number, size: number): FormatChunk {
  if (size < 16) invalid(`the "fmt " chunk is ${size} bytes, too short to describe the audio`);
  let tag = view.getUint16(start, true);
  const channels = view.getUint16(start + 2, true);
  const sampleRate = view.getUint32(start + 4, true);
  const bitsPerSample = view.getUint16(start + 14, true);

  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40)
      invalid('the "fmt " chunk says WAVE_FORMAT_EXTENSIBLE but is too short to name the sub-format');
    const guid = start + 24;
    for (let i = 0; i < SUBFORMAT_GUID_TAIL.length; i++) {
      if (view.getUint8(guid + 2 + i) !== SUBFORMAT_GUID_TAIL[i]) {
        invalid(`the extensible sub-format is an unknown codec GUID; ${CONVERT_HINT}`);
      }
    }
    tag = view.getUint16(guid, true);
  }

  const format = formatFor(tag);
  if (channels === 0) invalid("the file declares 0 channels");
  if (channels > 2) invalid(`the file has ${channels} channels; Belay reads mono or stereo, ${CONVERT_HINT}`);
  if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
    invalid(`its sample rate is ${sampleRate} Hz; Belay reads ${MIN_RATE}–${MAX_RATE} Hz, ${CONVERT_HINT}`);
  }
  const allowedBits = format === "pcm" ? [8, 16, 24, 32] : format === "float" ? [32, 64] : [8];
  if (!allowedBits.includes(bitsPerSample)) {
    invalid(
      `${bitsPerSample}-bit ${format} samples are not supported (expected ${allowedBits.join("/")}-bit); ${CONVERT_HINT}`,
    );
  }
  return { format, channels, sampleRate, bitsPerSample };
}

function formatFor(tag: number): WavSampleFormat {
  switch (tag) {
    case WAVE_FORMAT_PCM:
      return "pcm";
    case WAVE_FORMAT_IEEE_FLOAT:
      return "float";
    case WAVE_FORMAT_ALAW:
      return "alaw";
    case WAVE_FORMAT_MULAW:
      return "ulaw";
    default: {
      const hex = `0x${tag.toString(16).padStart(4, "0")}`;
      const name = CODEC_NAMES[tag];
      return invalid(`unsupported codec ${hex}${name ? ` (${name})` : ""}; ${CONVERT_HINT}`);
    }
  }
}

function decode(view: DataView, start: number, end: number, fmt: FormatChunk): WavAudio {
  const bytesPerSample = fmt.bitsPerSample / 8;
  const blockAlign = bytesPerSample * fmt.channels;
  const frames = Math.floor((end - start) / blockAlign);
  if (frames === 0) invalid("the data chunk is empty: the file holds no audio");
  const durationMs = (frames * 1000) / fmt.sampleRate;
  const info = {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bitsPerSample,
    format: fmt.format,
  };

  if (
    fmt.format === "pcm" &&
    fmt.bitsPerSample === 16 &&
    fmt.channels === 1 &&
    fmt.sampleRate === SAMPLE_RATE
  ) {
    const pcm8k = new Int16Array(frames);
    for (let i = 0; i < frames; i++) pcm8k[i] = view.getInt16(start + 2 * i, true);
    return { ...info, durationMs, pcm8k };
  }

  const readSample = sampleReader(view, fmt);
  const mono = new Float32Array(frames);
  if (fmt.channels === 1) {
    for (let i = 0; i < frames; i++) mono[i] = readSample(start + i * bytesPerSample);
  } else {
    for (let i = 0; i < frames; i++) {
      const at = start + i * blockAlign;
      mono[i] = (readSample(at) + readSample(at + bytesPerSample)) / 2;
    }
  }
  return { ...info, durationMs, pcm8k: resampleTo8k(mono, fmt.sampleRate) };
}

/** Returns a reader of one sample at a byte offset, scaled to [-1, 1). */
function sampleReader(view: DataView, fmt: FormatChunk): (at: number) => number {
  switch (fmt.format) {
    case "ulaw":
      return (at) => ulawDecode(view.getUint8(at)) / 32768;
    case "alaw":
      return (at) => alawDecode(view.getUint8(at)) / 32768;
    case "float":
      return fmt.bitsPerSample === 32 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
    case "pcm":
      switch (fmt.bitsPerSample) {
        case 8:
          return (at) => (view.getUint8(at) - 128) / 128; // 8-bit WAV is unsigned
        case 16:
          return (at) => view.getInt16(at, true) / 32768;
        case 24:
          return (at) => ((view.getInt8(at + 2) << 16) | view.getUint16(at, true)) / 8388608;
        default:
          return (at) => view.getInt32(at, true) / 2147483648;
      }
  }
}

function fourCc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

function printable(id: string): string {
  return id.replace(/[^\x20-\x7e]/g, "?");
}

function invalid(reason: string): never {
  throw new BelayError("WAV_INVALID", `cannot read this WAV: ${reason}`, { reason });
}
