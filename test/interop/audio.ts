/** Audio for and from the peers: the pcap's voice decoded, speech files, sample comparisons. */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { alawDecode, ulawDecode } from "../../src/media/g711.js";
import { loadSpeechEngine } from "../../src/media/tts.js";
import { readWav } from "../../src/media/wav-read.js";
import { encodeWav } from "../../src/media/wav-write.js";
import { readPcapRtp } from "./pcap.js";
import { startBounded, within } from "./process.js";
import { SIPP_PCAPS } from "./sipp.js";

export interface PcapAudio {
  /** The RTP audio decoded, packet after packet (the capture has no gaps). */
  pcm: Int16Array;
  packets: number;
  payloadType: number;
  /** Samples per packet. */
  packetSamples: number;
}

/** The voice sipp's uac_pcap replays: g711a.pcap's PCMA payloads decoded with Belay's G.711. */
export async function pcapAudio(file = path.join(SIPP_PCAPS, "g711a.pcap")): Promise<PcapAudio> {
  const rtp = readPcapRtp(await readFile(file));
  const first = rtp[0];
  if (!first) throw new Error(`${file} holds no RTP`);
  const decode = first.payloadType === 8 ? alawDecode : first.payloadType === 0 ? ulawDecode : undefined;
  if (!decode) throw new Error(`${file}: payload type ${first.payloadType} is not G.711`);
  const pcm = new Int16Array(rtp.reduce((n, p) => n + p.payload.length, 0));
  let at = 0;
  for (const packet of rtp) {
    if (packet.payloadType !== first.payloadType || packet.ssrc !== first.ssrc)
      throw new Error(`${file}: more than one stream`);
    for (const code of packet.payload) pcm[at++] = decode(code);
  }
  return { pcm, packets: rtp.length, payloadType: first.payloadType, packetSamples: first.payload.length };
}

/** Belay's own text-to-speech (eSpeak NG in WebAssembly), 8 kHz: the voice of a test caller. */
export async function speech(text: string): Promise<Int16Array> {
  const engine = await loadSpeechEngine();
  assert.ok(engine, "the interop tests speak: the optional dependency espeak-ng must be installed");
  return engine.synthesize(text);
}

/**
 * Pads with silence to whole packets. sipp's rtp_stream fills a last partial packet with other
 * bytes than silence, so a file for it should end on a packet boundary.
 */
export function padToPackets(pcm: Int16Array, packetSamples = 160): Int16Array {
  const out = new Int16Array(Math.ceil(pcm.length / packetSamples) * packetSamples);
  out.set(pcm);
  return out;
}

/** Writes 8 kHz mono 16-bit PCM as a WAV: what baresip's aufile takes. */
export async function writeWav8k(file: string, pcm: Int16Array): Promise<string> {
  await writeFile(file, encodeWav(pcm));
  return file;
}

export async function readWav8k(file: string): Promise<Int16Array> {
  const wav = readWav(await readFile(file));
  assert.deepEqual([wav.sampleRate, wav.channels], [8000, 1], `${file} is 8 kHz mono`);
  return wav.pcm8k;
}

/** `sox in.wav -t ul out.ul`: raw µ-law, no header, for sipp's rtp_stream. Returns the file's codes. */
export async function soxToUlaw(wav: string, ul: string): Promise<Uint8Array> {
  const sox = startBounded("sox", [wav, "-t", "ul", ul], { deadlineMs: 10_000 });
  const exit = await within(15_000, "sox", sox.exited);
  assert.equal(exit.code, 0, `sox failed: ${exit.stderr}`);
  return new Uint8Array(await readFile(ul));
}

export function decodeUlawBytes(codes: Uint8Array): Int16Array {
  return Int16Array.from(codes, (code) => ulawDecode(code));
}

/** Exactly equal, or a failure naming the first sample that differs. */
export function assertSameSamples(actual: Int16Array, expected: Int16Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: sample count`);
  const first = actual.findIndex((v, i) => v !== expected[i]);
  assert.equal(first, -1, `${what}: sample ${first} is ${actual[first]}, expected ${expected[first]}`);
}

/**
 * A recording of a stream that started and stopped while it ran: recorded[i] must be
 * stream[i + lag] wherever that exists and digital silence (0) before and after. Returns up to ten
 * differences, each naming the sample, where it falls in the stream, and the two values.
 */
export function streamMismatches(
  recorded: Int16Array,
  stream: Int16Array,
  lag: number,
  packetSamples: number,
): string[] {
  const mismatches: string[] = [];
  for (let i = 0; i < recorded.length && mismatches.length < 10; i++) {
    const j = i + lag;
    const inside = j >= 0 && j < stream.length;
    const expected = inside ? (stream[j] as number) : 0;
    if (recorded[i] !== expected) {
      const where = inside
        ? `stream sample ${j}, packet ${Math.floor(j / packetSamples)}`
        : "outside the stream";
      mismatches.push(`recorded sample ${i} (${where}): ${recorded[i]}, expected ${expected}`);
    }
  }
  return mismatches;
}

/** RMS in dBFS of a stretch of samples (−Infinity for digital silence). */
export function rmsDbfs(pcm: ArrayLike<number>, start = 0, end = pcm.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += (pcm[i] as number) ** 2;
  return 20 * Math.log10(Math.sqrt(sum / Math.max(1, end - start)) / 32768);
}
