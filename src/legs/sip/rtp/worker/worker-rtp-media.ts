import type { Logger } from "pino";
import type { FrameSource } from "../../../../engine/leg.js";
import { BelayError } from "../../../../errors.js";
import { FRAME_MS, type Frame } from "../../../../media/frame.js";
import { RealClock } from "../../../../time/clock.js";
import type { MediaPlan } from "../../sdp/types.js";
import type { FrameHandlers, RtpMedia, RtpStats } from "../types.js";
import type { MediaWorker } from "./worker-thread.js";

const clock = new RealClock();
/**
 * How long before it is pulled a stream's frame must have been due from its source: one frame, the
 * lead of a stream sending 20 ms packets on the main thread (see RtpSender's stream).
 */
const STREAM_LEAD_MS = FRAME_MS;
const NO_STATS: RtpStats = {
  packetsReceived: 0,
  packetsSent: 0,
  packetsLost: 0,
  jitterMs: 0,
  late: 0,
  dropped: 0,
};

/**
 * A call's RTP session as the main thread holds it when the session lives in a media worker: the
 * same contract as RtpSession, each call turned into a message. Frames and keys come up in the
 * worker's batches; a stream's frames are pulled here, on the engine's thread, and sent down.
 */
export class WorkerRtpMedia implements RtpMedia {
  localPort = 0;
  private handlers: FrameHandlers | undefined;
  private closing: Promise<RtpStats> | undefined;
  private lost: Error | undefined;

  constructor(
    /** The thread the session lives in (read by tests and diagnostics). */
    readonly worker: MediaWorker,
    readonly id: number,
    readonly logger: Logger,
  ) {}

  opened(port: number): void {
    this.localPort = port;
  }

  configure(plan: MediaPlan): void {
    this.worker.send({ t: "configure", id: this.id, plan });
  }

  start(handlers: FrameHandlers): void {
    if (this.handlers || this.closing) return;
    this.handlers = handlers;
    if (this.lost) handlers.failed?.(this.lost);
    else this.worker.send({ t: "start", id: this.id });
  }

  async play(pcm: Int16Array, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    await this.worker.request({ t: "play", id: this.id, op: 0, pcm }, signal);
  }

  /**
   * Frame k of the stream is pulled once start + 20(k − 1) ms has come (this thread pulls every
   * 10 ms): two frames at once, then one per 20 ms, so the worker has the next frame before its
   * sender needs it even when this thread runs a little late. It is asked for as the frame due
   * STREAM_LEAD_MS before that, as the main thread's sender asks: a source on its own 20 ms timer
   * (a conference's mixer) that fires a little after this pull has still made it.
   */
  async stream(source: FrameSource, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const start = clock.now();
    let k = 0;
    let failure: BelayError | undefined;
    // The worker's stream stops when the call's signal aborts or the source fails.
    const sourceFailed = new AbortController();
    const pull = (): Int16Array[] => {
      const frames: Int16Array[] = [];
      const now = clock.now();
      try {
        while (!failure && start + (k - 1) * FRAME_MS <= now) {
          frames.push(source.next(start + (k - 1) * FRAME_MS - STREAM_LEAD_MS));
          k++;
        }
      } catch (err) {
        failure = new BelayError(
          "RTP_STREAM_SOURCE_FAILED",
          "the stream's frame source threw",
          {},
          { cause: err },
        );
        sourceFailed.abort();
      }
      return frames;
    };
    const streaming = this.worker.request(
      { t: "stream", id: this.id, op: 0 },
      AbortSignal.any([signal, sourceFailed.signal]),
    );
    this.worker.addStream(this.id, pull);
    try {
      await streaming;
    } finally {
      this.worker.removeStream(this.id);
    }
    if (failure) throw failure;
  }

  async sendDigits(digits: string, pauseMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    await this.worker.request({ t: "digits", id: this.id, op: 0, digits, pauseMs }, signal);
  }

  async drain(): Promise<void> {
    if (!this.handlers || this.closing) return;
    if (this.lost) throw this.lost;
    await this.worker.request({ t: "drain", id: this.id, op: 0 });
  }

  close(): Promise<RtpStats> {
    if (this.closing) return this.closing;
    if (this.lost) {
      this.closing = Promise.resolve(NO_STATS);
      return this.closing;
    }
    this.closing = this.worker
      .request({ t: "close", id: this.id, op: 0 })
      .then((reply) => (reply.t === "done" && reply.stats) || NO_STATS)
      .finally(() => this.worker.forget(this.id));
    return this.closing;
  }

  // --- from the worker ---

  frame(frame: Frame, dueAt: number): void {
    if (this.closing) return;
    try {
      this.handlers?.frame(frame, dueAt);
    } catch (err) {
      this.logger.error({ err }, "frame handler threw");
    }
  }

  digit(digit: string): void {
    if (this.closing) return;
    try {
      this.handlers?.digit(digit);
    } catch (err) {
      this.logger.error({ err }, "digit handler threw");
    }
  }

  workerFailed(err: Error): void {
    this.lost = err;
    this.handlers?.failed?.(err);
  }
}
