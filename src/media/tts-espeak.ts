import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { BelayError } from "../errors.js";
import type { SpeechEngine } from "./tts.js";
import { DEFAULT_VOICE, espeakVoiceFor } from "./tts-espeak-voices.js";
import { ESPEAK_WORKER_SOURCE } from "./tts-espeak-worker.js";
import { readWav } from "./wav-read.js";

/**
 * eSpeak NG (GPL-3.0) is an optional dependency: Belay stays MIT and runs without it. It is never
 * imported statically; the worker imports it at run time, and a missing or broken package simply
 * means "no speech engine".
 */
const PACKAGE = "espeak-ng";
/** Generous: a synthesis takes ~0.1 s plus ~0.01 s per second of speech. A stuck worker is replaced. */
const JOB_TIMEOUT_MS = 30_000;
const STARTUP_TIMEOUT_MS = 30_000;

type WorkerReply =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | { type: "done"; id: number; wav: Uint8Array }
  | { type: "error"; id: number; message: string };

interface PendingJob {
  resolve(wav: Uint8Array): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Returns a working eSpeak NG engine, or undefined when the package is absent or does not start. */
export async function loadEspeakEngine(): Promise<EspeakEngine | undefined> {
  let moduleUrl: string;
  try {
    moduleUrl = import.meta.resolve(PACKAGE);
  } catch {
    return undefined;
  }
  const engine = new EspeakEngine(moduleUrl, new URL("espeak-ng.wasm", moduleUrl).href);
  try {
    await engine.ready();
    return engine;
  } catch {
    await engine.close();
    return undefined;
  }
}

/**
 * Synthesises in one worker thread, one text at a time (a synthesis is CPU-bound, so a second
 * worker would only help on idle cores; the cache in front absorbs repeated prompts). While idle
 * the worker holds an eSpeak NG instance started up to the point where it reads its text, so a
 * job costs the speaking only (tts-espeak-worker.ts). The worker is unref'd while idle (started,
 * no job), so it never keeps the process alive, and replaced if it dies or hangs.
 */
export class EspeakEngine implements SpeechEngine {
  readonly name = "espeak-ng";
  private worker: Worker | undefined;
  private jobs: { port: MessagePort; signal: Int32Array } | undefined;
  private started: Promise<Worker> | undefined;
  private readonly pending = new Map<number, PendingJob>();
  private nextId = 1;

  constructor(
    private readonly moduleUrl: string,
    private readonly wasmUrl: string,
  ) {}

  async synthesize(text: string, language?: string): Promise<Int16Array> {
    if (text.trim() === "") return new Int16Array(0);
    const wav = await this.run(espeakVoiceFor(language), text);
    return readWav(wav).pcm8k;
  }

  /** Starts the worker (if needed) and waits until eSpeak NG is loaded and compiled. */
  ready(): Promise<Worker> {
    this.started ??= this.spawn();
    return this.started;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.discardWorker(new BelayError("TTS_FAILED", "the speech engine was closed"));
    await worker?.terminate();
  }

  private async run(voice: string, text: string): Promise<Uint8Array> {
    const worker = await this.ready();
    if (worker !== this.worker) throw new BelayError("TTS_FAILED", "the speech worker stopped; try again");
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new BelayError(
          "TTS_FAILED",
          `speech synthesis took over ${JOB_TIMEOUT_MS} ms; restarting it`,
        );
        void worker.terminate();
        this.discardWorker(err);
      }, JOB_TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      worker.ref();
      const jobs = this.jobs as NonNullable<typeof this.jobs>;
      jobs.port.postMessage({ id, voice, text });
      // The worker sleeps in Atomics.wait while its warm instance waits for text: wake it.
      Atomics.store(jobs.signal, 0, 1);
      Atomics.notify(jobs.signal, 0);
    });
  }

  private spawn(): Promise<Worker> {
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const worker = new Worker(ESPEAK_WORKER_SOURCE, {
      eval: true,
      workerData: {
        moduleUrl: this.moduleUrl,
        wasmUrl: this.wasmUrl,
        jobs: channel.port2,
        signal,
        voice: DEFAULT_VOICE,
      },
      transferList: [channel.port2],
    });
    channel.port1.unref();
    this.worker = worker;
    this.jobs = { port: channel.port1, signal: new Int32Array(signal) };
    const started = new Promise<Worker>((resolve, reject) => {
      // Any failure forgets this worker: the next synthesis starts a fresh one.
      const fail = (err: BelayError) => {
        clearTimeout(timer);
        reject(err);
        if (this.worker === worker) {
          this.discardWorker(err);
          void worker.terminate();
        }
      };
      const timer = setTimeout(
        () => fail(new BelayError("TTS_UNAVAILABLE", "eSpeak NG did not start")),
        STARTUP_TIMEOUT_MS,
      );
      timer.unref();
      worker.on("message", (reply: WorkerReply) => {
        if (reply.type === "ready") {
          clearTimeout(timer);
          // Referenced while starting, so a caller awaiting ready() keeps the process alive; idle
          // from here on until a job refs it.
          if (this.pending.size === 0) worker.unref();
          resolve(worker);
        } else if (reply.type === "failed") {
          fail(new BelayError("TTS_UNAVAILABLE", `eSpeak NG could not load: ${reply.message}`));
        } else {
          this.settle(reply);
        }
      });
      worker.on("error", (err) =>
        fail(new BelayError("TTS_FAILED", `the speech worker crashed: ${err.message}`)),
      );
      worker.on("exit", (code) =>
        fail(new BelayError("TTS_FAILED", `the speech worker exited (code ${code})`)),
      );
    });
    started.catch(() => undefined);
    return started;
  }

  private settle(reply: Extract<WorkerReply, { id: number }>): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    this.pending.delete(reply.id);
    clearTimeout(job.timer);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.type === "done") job.resolve(reply.wav);
    else job.reject(new BelayError("TTS_FAILED", `speech synthesis failed: ${reply.message}`));
  }

  /** Fails every job of the current worker and forgets it: the next synthesis starts a new one. */
  private discardWorker(err: Error): void {
    this.worker = undefined;
    this.jobs?.port.close();
    this.jobs = undefined;
    this.started = undefined;
    for (const job of this.pending.values()) {
      clearTimeout(job.timer);
      job.reject(err);
    }
    this.pending.clear();
  }
}
