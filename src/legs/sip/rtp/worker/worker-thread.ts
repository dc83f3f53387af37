import { Worker } from "node:worker_threads";
import pino, { type Logger } from "pino";
import { BelayError } from "../../../../errors.js";
import { FRAME_SAMPLES } from "../../../../media/frame.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import { OP_FRAME } from "./protocol.js";
import type { WorkerRtpMedia } from "./worker-rtp-media.js";

/**
 * How often the streams' frames are pulled: each frame as soon as it is due, within 10 ms, so the
 * worker has it well before its slot (media-worker.ts keeps three in hand).
 */
const STREAM_PULL_MS = 10;
/** How long a worker may take to load before its calls are refused. */
const STARTUP_TIMEOUT_MS = 30_000;
/** Run from its sources (tsx) the worker is the .ts file, which it loads through tsx too; built, the .js. */
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const WORKER_ENTRY = new URL(FROM_SOURCES ? "./media-worker.ts" : "./media-worker.js", import.meta.url).href;
const WORKER_BOOT = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  for (const extra of workerData.imports) await import(extra);
  await import(workerData.entry);
})();
`;
/** A worker thread does not inherit the loader hooks the main thread registered (bin/belay.js does). */
const TSX_API = FROM_SOURCES ? import.meta.resolve("tsx/esm/api") : undefined;

interface Pending {
  resolve(reply: Extract<FromWorker, { t: "done" | "opened" }>): void;
  reject(err: Error): void;
}

/** One worker thread and the sessions it holds. */
export class MediaWorker {
  readonly sessions = new Map<number, WorkerRtpMedia>();
  readonly ready: Promise<void>;
  failed: Error | undefined;
  private readonly thread: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextOp = 1;
  private terminating = false;
  /** Streams whose frames the main thread pulls, by session id; see pumpStreams. */
  private readonly streams = new Map<number, () => Int16Array[]>();
  private pump: NodeJS.Timeout | undefined;

  constructor(
    readonly index: number,
    private readonly logger: Logger,
    imports: string[],
  ) {
    this.thread = new Worker(WORKER_BOOT, {
      eval: true,
      workerData: { entry: WORKER_ENTRY, tsx: TSX_API, imports },
    });
    this.thread.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new BelayError("RTP_WORKER_FAILED", `media worker ${index} did not start`));
      }, STARTUP_TIMEOUT_MS);
      timer.unref();
      this.thread.on("message", (message: FromWorker) => {
        if (message.t === "ready") {
          clearTimeout(timer);
          resolve();
          return;
        }
        this.receive(message);
      });
      this.readyFailed = (err) => {
        clearTimeout(timer);
        reject(err);
      };
    });
    this.ready.catch(() => undefined);
    // An uncaught error in the worker: its callers see the worker's failure, the error as cause.
    this.thread.on("error", (err) =>
      this.fail(
        new BelayError(
          "RTP_WORKER_FAILED",
          `media worker ${index} failed: ${err.message}`,
          {},
          { cause: err },
        ),
      ),
    );
    this.thread.on("exit", (code) => {
      if (!this.terminating)
        this.fail(new BelayError("RTP_WORKER_FAILED", `media worker ${index} exited with code ${code}`));
    });
  }

  private readyFailed: (err: Error) => void = () => undefined;

  get load(): number {
    return this.sessions.size;
  }

  send(message: ToWorker): void {
    if (!this.failed) this.thread.postMessage(message);
  }

  /** Sends an operation that is answered later, with an op number of its own. */
  request(
    message: ToWorker & { op: number },
    signal?: AbortSignal,
  ): Promise<Extract<FromWorker, { t: "done" | "opened" }>> {
    if (this.failed) return Promise.reject(this.failed);
    const op = this.nextOp++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.send({ t: "abort", id: (message as { id: number }).id, op });
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(op, {
        resolve: (reply) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(reply);
        },
        reject: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      });
      this.thread.postMessage({ ...message, op });
    });
  }

  /** Frames of a stream are pulled here every STREAM_PULL_MS and sent to the worker, which plays them. */
  addStream(id: number, pull: () => Int16Array[]): void {
    this.streams.set(id, pull);
    this.pumpStreams();
    this.pump ??= setInterval(() => this.pumpStreams(), STREAM_PULL_MS);
  }

  removeStream(id: number): void {
    this.streams.delete(id);
    if (this.streams.size === 0 && this.pump) {
      clearInterval(this.pump);
      this.pump = undefined;
    }
  }

  forget(id: number): void {
    this.sessions.delete(id);
    this.removeStream(id);
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    if (this.pump) clearInterval(this.pump);
    this.pump = undefined;
    await this.thread.terminate();
  }

  /** One message per tick for all the worker's streams: ids, frame counts, samples back to back. */
  private pumpStreams(): void {
    const ids: number[] = [];
    const counts: number[] = [];
    const frames: Int16Array[] = [];
    for (const [id, pull] of this.streams) {
      const pulled = pull();
      if (pulled.length === 0) continue;
      ids.push(id);
      counts.push(pulled.length);
      frames.push(...pulled);
    }
    if (ids.length === 0) return;
    const samples = new Int16Array(frames.length * FRAME_SAMPLES);
    // A frame of the wrong length would shift every later sample: 160 each, short ones padded.
    for (const [i, frame] of frames.entries())
      samples.set(frame.subarray(0, FRAME_SAMPLES), i * FRAME_SAMPLES);
    this.thread.postMessage({ t: "streamFrames", ids, counts, samples } satisfies ToWorker, [samples.buffer]);
  }

  private receive(message: FromWorker): void {
    switch (message.t) {
      case "batch":
        this.deliver(message.ops, message.samples);
        return;
      case "done":
      case "opened": {
        const pending = this.pending.get(message.op);
        if (!pending) return;
        this.pending.delete(message.op);
        if (message.t === "done" && message.error)
          pending.reject(new BelayError(message.error.code, message.error.message));
        else pending.resolve(message);
        return;
      }
      case "log":
        this.log(message.id, message.record);
        return;
      case "ready":
        return;
    }
  }

  /** Hands each session's frames and keys to its call, in the order the worker saw them. */
  private deliver(ops: Float64Array, samples: Int16Array): void {
    let frame = 0;
    for (let i = 0; i < ops.length; i += 3) {
      const media = this.sessions.get(ops[i] as number);
      const what = ops[i + 1] as number;
      if (what === OP_FRAME) {
        const at = frame++ * FRAME_SAMPLES;
        media?.frame(samples.subarray(at, at + FRAME_SAMPLES), ops[i + 2] as number);
      } else media?.digit(String.fromCharCode(what));
    }
  }

  private log(id: number, record: Record<string, unknown>): void {
    const { level, msg, ...fields } = record;
    const logger = this.sessions.get(id)?.logger ?? this.logger;
    const label = typeof level === "number" ? pino.levels.labels[level] : undefined;
    const write = logger[(label ?? "info") as "info"];
    write.call(logger, fields, typeof msg === "string" ? msg : "");
  }

  /** The worker is gone: every operation fails, and every call it carried loses its media. */
  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    this.readyFailed(err);
    if (this.pump) clearInterval(this.pump);
    this.pump = undefined;
    if (this.sessions.size > 0 || !this.terminating)
      this.logger.error(
        { err, calls: this.sessions.size, worker: this.index },
        "a media worker failed; its calls lose their audio and end",
      );
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
    for (const media of [...this.sessions.values()]) media.workerFailed(err);
    this.sessions.clear();
    void this.thread.terminate();
  }
}
