import type { Logger } from "pino";
import { BelayError } from "../../../../errors.js";
import { type PortRange, portSlot } from "../ports.js";
import type { RtpMedia } from "../types.js";
import { WorkerRtpMedia } from "./worker-rtp-media.js";
import { MediaWorker } from "./worker-thread.js";

export interface MediaWorkersOptions {
  /** Worker threads to spread the calls' RTP over (at least 1). */
  count: number;
  host: string;
  portRange: PortRange;
  logger: Logger;
  jitterMs?: number;
  /** Modules each worker imports before its first session (diagnostics, e.g. the media benchmark's probe). */
  imports?: string[];
}

/**
 * The calls' RTP spread over worker threads: each session lives whole in one worker (its sockets,
 * playout, sending), the one with the fewest sessions when it opens, and hands its frames and keys
 * up to the main thread, where the engine runs. Everything per packet happens off the main thread;
 * what crosses is one message per worker every few milliseconds (docs/rtp.md#media-workers).
 */
export class MediaWorkers {
  private readonly workers: Array<MediaWorker | undefined>;
  private nextId = 1;
  /** One cursor over the port range for all workers, so a port just freed is not reused at once. */
  private nextSlot = 0;
  private closed = false;

  constructor(private readonly options: MediaWorkersOptions) {
    this.workers = new Array<MediaWorker | undefined>(Math.max(1, Math.floor(options.count))).fill(undefined);
  }

  /** Starts every worker loading now, so the first call does not wait for it. */
  warm(): void {
    for (let i = 0; i < this.workers.length; i++) void this.worker(i).ready.catch(() => undefined);
  }

  async open(logger: Logger): Promise<RtpMedia> {
    if (this.closed) throw new BelayError("RTP_WORKERS_CLOSED", "the media workers have been stopped");
    let chosen = 0;
    for (let i = 1; i < this.workers.length; i++) {
      if ((this.workers[i]?.load ?? 0) < (this.workers[chosen]?.load ?? 0)) chosen = i;
    }
    const worker = this.worker(chosen);
    const id = this.nextId++;
    const { portRange, host, jitterMs } = this.options;
    const media = new WorkerRtpMedia(worker, id, logger);
    // Counted before the first await: opens in the same turn must see each other's load.
    worker.sessions.set(id, media);
    try {
      await worker.ready;
      const reply = await worker.request({
        t: "open",
        id,
        op: 0,
        host,
        portRange,
        startAt: this.nextSlot,
        jitterMs,
        logLevel: logger.level,
      });
      if (reply.t !== "opened") throw new Error("the media worker answered an open with no port");
      this.nextSlot = portSlot(portRange, reply.port) + 1;
      media.opened(reply.port);
      return media;
    } catch (err) {
      worker.sessions.delete(id);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker?.terminate()));
  }

  private worker(index: number): MediaWorker {
    const existing = this.workers[index];
    if (existing && !existing.failed) return existing;
    const worker = new MediaWorker(index, this.options.logger, this.options.imports ?? []);
    this.workers[index] = worker;
    return worker;
  }
}
