/**
 * Speech and noise for the answering-machine detection set, made with eSpeak NG and sox.
 *
 * eSpeak NG runs in this process from the `espeak-ng` npm package (the espeak-ng CLI compiled to
 * WebAssembly, the same program Belay's Say uses), with the CLI's own arguments: voice and variant
 * (`-v en-gb+f3`), speed (`-s`), pitch (`-p`). Starting an instance costs ~0.3 s, so each voice
 * speaks all its texts in one run, separated by SSML breaks, and the result is cut at those breaks.
 * sox then band-limits it as a telephone line does (300-3400 Hz) and resamples it to 8 kHz.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";

export interface Voice {
  /** eSpeak voice with variant, e.g. "en-us+m3". */
  name: string;
  /** Words per minute. */
  speed: number;
  /** 0-99. */
  pitch: number;
}

const BREAK_MS = 3000;
/** Silence longer than this inside a run's output is one of our breaks, never a pause in speech. */
const SPLIT_SAMPLES = 8000 * 2;
const QUIET = 8;

interface EspeakModule {
  FS: { readFile(path: string): Uint8Array };
}
type CreateEspeak = (options: Record<string, unknown>) => Promise<EspeakModule>;
/** The part of the WebAssembly global used here (tsconfig's lib has no DOM, so no WebAssembly types). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let loaded: Promise<{ createEspeak: CreateEspeak; wasm: object }> | undefined;

function load(): Promise<{ createEspeak: CreateEspeak; wasm: object }> {
  loaded ??= (async () => {
    const url = import.meta.resolve("espeak-ng");
    const { default: createEspeak } = (await import(url)) as { default: CreateEspeak };
    const wasm = await Wasm.compile(await readFile(new URL("espeak-ng.wasm", url)));
    return { createEspeak, wasm };
  })();
  return loaded;
}

/** One eSpeak NG run: the CLI's main() with these arguments; returns the WAV it wrote. */
async function espeak(args: string[]): Promise<Uint8Array> {
  const { createEspeak, wasm } = await load();
  const errors: string[] = [];
  let status = 0;
  const instance = await createEspeak({
    arguments: [...args, "-w", "/out.wav"],
    instantiateWasm(imports: object, receive: (instance: object, module: object) => void) {
      void Wasm.instantiate(wasm, imports).then((created) => receive(created, wasm));
      return {};
    },
    print() {},
    printErr(line: string) {
      errors.push(line);
    },
    quit(code: number, toThrow: unknown) {
      status = code;
      throw toThrow;
    },
  });
  if (status !== 0) throw new Error(`espeak-ng ${args.join(" ")} failed: ${errors.join("; ")}`);
  return instance.FS.readFile("/out.wav");
}

/** Runs sox with `args`, feeding `input` on stdin; resolves with its stdout. */
export function sox(args: string[], input?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("sox", args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`sox ${args.join(" ")} exited with ${code}: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.end(input ?? new Uint8Array(0));
  });
}

function rawToInt16(bytes: Buffer): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}

const RAW_8K = ["-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1"];

/** Each text spoken by `voice`, as 8 kHz telephone-band PCM, trimmed of silence at both ends. */
export async function speakAll(voice: Voice, texts: readonly string[]): Promise<Int16Array[]> {
  const escaped = texts.map((text) =>
    text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
  );
  const ssml = `<speak>${escaped.join(`<break time="${BREAK_MS}ms"/>`)}</speak>`;
  const wav = await espeak([
    "-m",
    "-v",
    voice.name,
    "-s",
    String(voice.speed),
    "-p",
    String(voice.pitch),
    ssml,
  ]);
  const phone = rawToInt16(await sox(["-t", "wav", "-", ...RAW_8K, "-", "sinc", "300-3400"], wav));
  const clips = splitOnLongSilence(phone);
  if (clips.length !== texts.length) {
    throw new Error(
      `${voice.name}: ${texts.length} texts came out as ${clips.length} clips; a text must not hold a pause of 2 s`,
    );
  }
  return clips;
}

function splitOnLongSilence(pcm: Int16Array): Int16Array[] {
  const clips: Int16Array[] = [];
  let start = -1;
  let lastLoud = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i] as number) <= QUIET) continue;
    if (start < 0) start = i;
    else if (i - lastLoud > SPLIT_SAMPLES) {
      clips.push(pcm.slice(start, lastLoud + 1));
      start = i;
    }
    lastLoud = i;
  }
  if (start >= 0) clips.push(pcm.slice(start, lastLoud + 1));
  return clips;
}

export type NoiseColour = "whitenoise" | "pinknoise" | "brownnoise";

/**
 * `seconds` of sox's noise of that colour at 8 kHz, normalised to an RMS of 1 (repeatable: sox -R).
 * In the telephone band (300-3400 Hz, as a line carries the noise around the callee) unless
 * `fullBand`: then brown noise is rumble, most of its power below 300 Hz.
 */
export async function noiseBed(
  colour: NoiseColour,
  seconds: number,
  fullBand = false,
): Promise<Float64Array> {
  const band = fullBand ? [] : ["sinc", "300-3400"];
  const synth = ["synth", String(seconds), colour, "vol", "0.5", ...band];
  const raw = rawToInt16(await sox(["-R", "-n", ...RAW_8K, "-", ...synth]));
  let power = 0;
  for (const s of raw) power += s * s;
  const rms = Math.sqrt(power / raw.length) || 1;
  return Float64Array.from(raw, (s) => s / rms);
}
