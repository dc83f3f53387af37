import { parentPort } from "node:worker_threads";
import pino from "pino";
import type { FrameSource } from "../../../../engine/leg.js";
import { isBelayError } from "../../../../errors.js";
import { FRAME_SAMPLES, type Frame } from "../../../../media/frame.js";
import { RealClock } from "../../../../time/clock.js";
import { openRtpSession, type RtpSession } from "../session.js";
import { type FromWorker, OP_FRAME, type ToWorker } from "./protocol.js";

/**
 * A media worker: the RTP sessions of some of the calls, each whole (its sockets, receive, playout,
 * send) on this thread's event loop and the real clock. What the sessions hand up is batched: one
 * message for all of them every few milliseconds (BATCH_MS).
 */
const port = parentPort;
if (!port) throw new Error("media-worker.ts runs as a worker thread");

const clock = new RealClock();
const sessions = new Map<number, RtpSession>();
/** Frames a stream was given by the main thread, per session, oldest first; the sender pulls them. */
const streamQueues = new Map<number, Int16Array[]>();
/** Abort controllers of operations under way, by op number. */
const running = new Map<number, AbortController>();

/** Frames a stream keeps in hand before it plays the first: the main thread's pulls may run late. */
const STREAM_PRIME_FRAMES = 3;
/**
 * More than this in hand means a pull ran late while the sender played silence: the oldest go, back
 * down to the prime, so a late pull costs the stream a frame or two instead of delaying it for good.
 */
const STREAM_MAX_FRAMES = STREAM_PRIME_FRAMES + 2;
/**
 * What the sessions hand up waits this long for more before it goes, in one message: calls at
 * independent phases hand up a frame or two per event-loop turn, and a message per frame would
 * cost more than the frame's own work. Frames go up ahead of their deadline (the playout delay is
 * 60 ms), so only the end of speech is later by it; a key goes at once.
 */
const BATCH_MS = 4;
const SILENT: Frame = new Int16Array(FRAME_SAMPLES);

// --- the batch going up ---
let ops: number[] = [];
let samples = new Int16Array(FRAME_SAMPLES * 64);
let frameCount = 0;
let flushTimer: NodeJS.Timeout | undefined;

function post(message: FromWorker, transfer?: ArrayBuffer[]): void {
  port?.postMessage(message, transfer);
}

function addFrame(id: number, frame: Frame, dueAt: number): void {
  if ((frameCount + 1) * FRAME_SAMPLES > samples.length) {
    const bigger = new Int16Array(samples.length * 2);
    bigger.set(samples.subarray(0, frameCount * FRAME_SAMPLES));
    samples = bigger;
  }
  samples.set(frame, frameCount * FRAME_SAMPLES);
  frameCount++;
  ops.push(id, OP_FRAME, dueAt);
  queueFlush();
}

/** A key goes up at once, with the frames before it: it may end a recording or a GetDigits. */
function addDigit(id: number, digit: string): void {
  ops.push(id, digit.charCodeAt(0), 0);
  flush();
}

function queueFlush(): void {
  flushTimer ??= setTimeout(flush, BATCH_MS);
}

function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (ops.length === 0) return;
  const batchSamples = samples.slice(0, frameCount * FRAME_SAMPLES);
  const batchOps = Float64Array.from(ops);
  ops = [];
  frameCount = 0;
  post({ t: "batch", ops: batchOps, samples: batchSamples }, [batchOps.buffer, batchSamples.buffer]);
}

function fail(op: number, err: unknown): void {
  const error = isBelayError(err)
    ? { code: err.code, message: err.message }
    : { code: "RTP_WORKER_FAILED", message: err instanceof Error ? err.message : String(err) };
  post({ t: "done", op, error });
}

/** The session's log lines go to the main thread, which writes them with the call's logger. */
function sessionLogger(id: number, level: string): pino.Logger {
  return pino(
    { level, base: undefined, timestamp: false },
    {
      write(line: string) {
        post({ t: "log", id, record: JSON.parse(line) as Record<string, unknown> });
      },
    },
  );
}

function queueStreamFrames({ ids, counts, samples }: Extract<ToWorker, { t: "streamFrames" }>): void {
  let at = 0;
  for (let i = 0; i < ids.length; i++) {
    const queue = streamQueues.get(ids[i] as number);
    const count = counts[i] as number;
    for (let n = 0; n < count; n++, at += FRAME_SAMPLES)
      queue?.push(samples.subarray(at, at + FRAME_SAMPLES));
    if (queue && queue.length > STREAM_MAX_FRAMES) queue.splice(0, queue.length - STREAM_PRIME_FRAMES);
  }
}

async function open(message: Extract<ToWorker, { t: "open" }>): Promise<void> {
  const { id, op } = message;
  try {
    const session = await openRtpSession({
      host: message.host,
      portRange: message.portRange,
      startSlot: message.startAt,
      clock,
      logger: sessionLogger(id, message.logLevel),
      ...(message.jitterMs !== undefined ? { jitterMs: message.jitterMs } : {}),
    });
    sessions.set(id, session);
    post({ t: "opened", op, port: session.localPort });
  } catch (err) {
    fail(op, err);
  }
}

/** Runs an operation that ends later, abortable from the main thread by its op number. */
function track(op: number, work: (signal: AbortSignal) => Promise<void>): void {
  const controller = new AbortController();
  running.set(op, controller);
  work(controller.signal)
    .then(
      () => post({ t: "done", op }),
      (err: unknown) => fail(op, err),
    )
    .finally(() => running.delete(op));
}

function handle(message: ToWorker): void {
  if (message.t === "open") {
    void open(message);
    return;
  }
  if (message.t === "streamFrames") {
    queueStreamFrames(message);
    return;
  }
  if (message.t === "abort") {
    running.get(message.op)?.abort();
    return;
  }
  const session = sessions.get(message.id);
  if (!session) {
    if ("op" in message) fail(message.op, new Error(`no RTP session ${message.id} in this worker`));
    return;
  }
  const id = message.id;
  switch (message.t) {
    case "configure":
      session.configure(message.plan);
      return;
    case "start":
      session.start({
        frame: (frame, dueAt) => addFrame(id, frame, dueAt),
        digit: (digit) => addDigit(id, digit),
      });
      return;
    case "play":
      track(message.op, (signal) => session.play(message.pcm, signal));
      return;
    case "stream": {
      const queue: Int16Array[] = [];
      streamQueues.set(id, queue);
      // Silence until STREAM_PRIME_FRAMES are in hand: the main thread's pulls may run late.
      let primed = false;
      const source: FrameSource = {
        next: () => {
          primed ||= queue.length >= STREAM_PRIME_FRAMES;
          return (primed && queue.shift()) || SILENT;
        },
      };
      track(message.op, (signal) =>
        session.stream(source, signal).finally(() => {
          if (streamQueues.get(id) === queue) streamQueues.delete(id);
        }),
      );
      return;
    }
    case "digits":
      track(message.op, (signal) => session.sendDigits(message.digits, message.pauseMs, signal));
      return;
    case "drain":
      void session.drain().then(() => {
        flush(); // what the drain handed up goes before its answer
        post({ t: "done", op: message.op });
      });
      return;
    case "close":
      sessions.delete(id);
      streamQueues.delete(id);
      void session.close().then(
        (stats) => post({ t: "done", op: message.op, stats }),
        (err: unknown) => fail(message.op, err),
      );
      return;
  }
}

port.on("message", (message: ToWorker) => {
  try {
    handle(message);
  } catch (err) {
    // A bug, not a peer's doing: say which operation it broke rather than take every call down.
    if ("op" in message) fail(message.op, err);
    else if ("id" in message)
      post({
        t: "log",
        id: message.id,
        record: { level: 50, msg: `media worker: ${message.t} failed: ${String(err)}` },
      });
  }
});
post({ t: "ready" });
