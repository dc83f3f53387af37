/**
 * The SIP benchmarks' shared pieces: Belay with SIP on 127.0.0.1 in this process, the load
 * generator (bench/apps/sip-callers.ts) and the UDP sink (bench/apps/udp-sink.ts) in their own.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { decodeUlaw } from "../../src/media/g711.js";
import { readWav } from "../../src/media/wav-read.js";
import { type Belay, createBelay } from "../../src/server/belay.js";
import { resolveConfig } from "../../src/server/config.js";
import { routeNumber } from "../../test/helpers/route-number.js";
import { callerAudioBytes } from "./caller-audio.js";

export const NUMBER = "+15550002222";
const CALLERS = fileURLToPath(new URL("../apps/sip-callers.ts", import.meta.url));
const SINK = fileURLToPath(new URL("../apps/udp-sink.ts", import.meta.url));

export const wallNow = () => performance.timeOrigin + performance.now();

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
  const { port } = socket.address();
  await new Promise<void>((r) => socket.close(() => r()));
  return port;
}

/** Belay with SIP, room for `maxCalls` calls (2 RTP ports each: RTP on the even one, RTCP above). */
export async function startSipBelay(
  maxCalls: number,
  /** Belay's media workers and what each imports first; omitted, Belay's defaults. */
  media: { workers?: number; imports?: string[] } = {},
): Promise<{ belay: Belay; sipPort: number; dataDir: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "belay-bench-sip-"));
  const sipPort = await freeUdpPort();
  const min = 20_000;
  const belay = await createBelay(
    resolveConfig(
      {
        dataDir,
        port: 0,
        logLevel: "warn",
        sipPort,
        maxCalls: maxCalls + 10,
        rtpPorts: { min, max: Math.min(65_000, min + 2 * maxCalls + 2000) },
        ...(media.workers !== undefined ? { mediaWorkers: media.workers } : {}),
        ...(media.imports ? { mediaWorkerImports: media.imports } : {}),
      },
      {},
    ),
  );
  await belay.listen();
  return { belay, sipPort, dataDir };
}

export async function addNumber(belay: Belay, voiceUrl: string, statusUrl: string): Promise<void> {
  await routeNumber(belay, { phoneNumber: NUMBER, voiceUrl, statusCallbackUrl: statusUrl });
}

export interface CallerReport {
  index: number;
  callId: string;
  from: string;
  ssrc: number;
  state: string;
  endedBy?: string;
  packets: number;
  audioFrames: number;
  inviteSentAt: number;
  answeredAt?: number;
  actionAt?: number;
  samples: Array<[number, number]>;
}

/** The generator's own CPU while every call streamed (it must not be what bounds a step). */
export interface GeneratorCost {
  cpuUsPerPacket: number;
  cpuPct: number;
}

export interface GeneratorReport {
  calls: CallerReport[];
  sendLatenessMs: number[];
  generator?: GeneratorCost;
}

export interface Generator {
  child: ChildProcess;
  /** Resolves on the generator's `all-streaming` line. */
  allStreaming: Promise<{ at: number; rampMs: number }>;
  report: Promise<GeneratorReport>;
  kill(): void;
}

/** Starts the load generator with these flags (see bench/apps/sip-callers.ts). */
export function startCallers(flags: string[]): Generator {
  const child = spawn(process.execPath, ["--import", "tsx", CALLERS, ...flags], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let onAll: (v: { at: number; rampMs: number }) => void = () => {};
  const allStreaming = new Promise<{ at: number; rampMs: number }>((r) => {
    onAll = r;
  });
  const report = new Promise<GeneratorReport>((resolve, reject) => {
    let last: GeneratorReport | undefined;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const event = JSON.parse(line);
      if (event.event === "all-streaming") onAll(event);
      if (event.event === "report") last = event;
    });
    child.on("exit", (code) =>
      last ? resolve(last) : reject(new Error(`the load generator exited with ${code} and no report`)),
    );
  });
  return {
    child,
    allStreaming,
    report,
    kill: () => {
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  };
}

export interface Sink {
  ports: number[];
  start(): void;
  stop(): Promise<{ packets: number; cpuUs: number; wallMs: number }>;
  close(): Promise<void>;
}

export async function startSink(sockets: number): Promise<Sink> {
  const child = spawn(process.execPath, ["--import", "tsx", SINK, "--sockets", String(sockets)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((r) => waiting.push(r));
  const first = await Promise.race([
    next(),
    new Promise<string>((_, reject) => setTimeout(() => reject(new Error("the sink did not start")), 30_000)),
  ]);
  const ports = first
    .replace(/^ports /, "")
    .split(",")
    .map(Number);
  return {
    ports,
    start: () => child.stdin?.write("start\n"),
    async stop() {
      const reply = next();
      child.stdin?.write("stop\n");
      return JSON.parse(await reply);
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The decoded audio caller `index` sent: `frames` frames of it. */
export function sentAudio(index: number, frames: number): Int16Array {
  const bytes = new Uint8Array(frames * 160);
  const audio = callerAudioBytes(index);
  for (let f = 0; f < frames; f++) bytes.set(audio.next().value as Uint8Array, f * 160);
  return decodeUlaw(bytes);
}

export interface Comparison {
  ok: boolean;
  why?: string;
  /** Leading silent frames, the first sent frame heard, frames heard, sent frames never heard at the end. */
  leadingSilentFrames: number;
  firstFrame: number;
  frames: number;
  tailMissing: number;
  trailingSilentFrames: number;
}

/**
 * Whether a recording is, sample for sample, what the caller sent: silent frames may only lead
 * (the recording began before the caller's first packet played: how long is the call's set-up
 * latency, reported, not judged) or trail (after the last), and the run between must be sent
 * frames, contiguous, to the last: a lost frame, a duplicate or a shifted sample fails it. It
 * starts at the first sent frame, or, when no silence leads, at the frame that was playing when the
 * recording began (`firstFrame`, reported).
 */
export function compareRecording(
  wav: Uint8Array,
  sent: Int16Array,
  limits: { trailing: number; tail: number },
): Comparison {
  const pcm = readWav(wav).pcm8k;
  const frames = Math.floor(pcm.length / 160);
  const silent = (f: number) => {
    for (let i = f * 160; i < f * 160 + 160; i++) if (pcm[i] !== 0) return false;
    return true;
  };
  const base: Comparison = {
    ok: false,
    leadingSilentFrames: 0,
    firstFrame: -1,
    frames: 0,
    tailMissing: -1,
    trailingSilentFrames: 0,
  };
  if (pcm.length % 160 !== 0) return { ...base, why: `${pcm.length} samples is not whole frames` };
  let lead = 0;
  while (lead < frames && silent(lead)) lead++;
  let end = frames;
  while (end > lead && silent(end - 1)) end--;
  base.leadingSilentFrames = lead;
  base.trailingSilentFrames = frames - end;
  if (lead === frames) return { ...base, why: "the recording is all silence" };
  const sentFrames = sent.length / 160;
  // The first heard frame's place in what was sent.
  let k = -1;
  for (let f = 0; f < sentFrames && k < 0; f++) {
    let same = true;
    for (let i = 0; i < 160 && same; i++) same = pcm[lead * 160 + i] === sent[f * 160 + i];
    if (same) k = f;
  }
  if (k < 0) return { ...base, why: "its first audio frame is none the caller sent (misaligned or foreign)" };
  base.firstFrame = k;
  const heard = end - lead;
  base.frames = heard;
  if (k + heard > sentFrames)
    return { ...base, why: `${heard} frames from frame ${k} is more than was sent` };
  for (let i = 0; i < heard * 160; i++) {
    if (pcm[lead * 160 + i] !== sent[k * 160 + i]) {
      return {
        ...base,
        why: `frame ${Math.floor(i / 160) + lead} differs from sent frame ${k + Math.floor(i / 160)} (lost or duplicated frames)`,
      };
    }
  }
  base.tailMissing = sentFrames - (k + heard);
  // Audio may begin mid-stream only if the recording began after the caller's audio did (no
  // silence before it): silence and then a later frame means the frames between were lost.
  if (k > 0 && lead > 0)
    return { ...base, why: `${lead} silent frames, then sent frame ${k}: the first ${k} were lost` };
  if (frames - end > limits.trailing)
    return { ...base, why: `${frames - end} silent frames trail the audio` };
  if (base.tailMissing > limits.tail)
    return { ...base, why: `the last ${base.tailMissing} frames sent were not recorded` };
  return { ...base, ok: true };
}

/** Downloads a recording the way an app would: recordingUrl with the account's credentials. */
export async function download(belay: Belay, url: string): Promise<Uint8Array> {
  const auth = Buffer.from(`${belay.account.accountId}:${belay.account.apiKey}`).toString("base64");
  const response = await fetch(url, { headers: { authorization: `Basic ${auth}` } });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { machineLoad } from "./machine-load.js";
