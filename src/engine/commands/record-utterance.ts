import { DEFAULTS } from "../../contract/defaults.js";
import { isDiskFullError } from "../../errors.js";
import { beep } from "../../media/tones.js";
import type { RecordingRow } from "../../store/types.js";
import type { CommandContext } from "../context.js";
import type { RecordingSink } from "../recorder.js";
import { continueWith } from "./continue-with.js";
import type { CommandHandler } from "./types.js";
import { type CaptureEnd, UtteranceCapture } from "./utterance-capture.js";
import { withDefaults } from "./with-defaults.js";

type TermReason = CaptureEnd | "finishKey" | "hangup";

/** A recording the disk has no more room for ends as one that reached its length limit. */
const DISK_FULL_TERM_REASON: TermReason = "maxLength";

const BEEP = beep();

/**
 * Records the caller until the finish key, silence, the length limit or a hang-up, then sends the
 * `record` webhook once the file is durable. After a hang-up the webhook is a notification and its
 * PerCL is not run.
 */
export const recordUtterance: CommandHandler<"RecordUtterance"> = async (attrs, ctx, signal) => {
  await ctx.answer();
  const options = withDefaults(DEFAULTS.recordUtterance, attrs);
  // The file is opened while the beep plays, so recording starts the moment the beep ends however
  // slow the disk is: in real time a late start loses the caller's first frames.
  const opening = signal.aborted
    ? undefined
    : ctx.recorder.open({ kind: "utterance", actionUrl: attrs.actionUrl, privacyMode: options.privacyMode });
  // Awaited only after the beep: a failure must not count as unhandled meanwhile.
  opening?.catch(() => undefined);
  if (options.playBeep && !signal.aborted) await ctx.play(BEEP, signal);

  // A hang-up during the beep: recording never began, so no file is kept (as with autoStart and
  // no speech) and the webhook still goes out.
  let sink: RecordingSink | undefined;
  let termReason: TermReason = "hangup";
  let recorded = false;
  if (opening && signal.aborted) await discard(ctx, opening);
  else if (opening) {
    const capture = new UtteranceCapture({
      silenceTimeoutMs: options.silenceTimeoutMs,
      maxLengthMs: options.maxLengthSec * 1000,
      autoStart: options.autoStart,
    });
    // Recording starts now, even if the file is still opening (no beep to hide a slow disk behind):
    // frames that come meanwhile wait in memory and go to the file first once it is open.
    const output = new SinkWhenOpen();
    const listening = listen(ctx, signal, capture, output, options);
    try {
      sink = await opening;
    } catch (err) {
      if (!isDiskFullError(err)) {
        listening.stop("hangup");
        throw err;
      }
      // No room for even a file: the recording ends at once, empty (docs/operations/disk-space.md).
      ctx.log.warn({ err }, "the disk is full: RecordUtterance records nothing");
      listening.stop(DISK_FULL_TERM_REASON);
    }
    if (sink) {
      output.open(sink);
      ctx.emit({ type: "recordingStarted", recordingId: sink.recordingId });
      // A full disk ends the recording as its length limit would: it holds what fitted.
      sink.onDiskFull(() => {
        ctx.log.warn({ recordingId: sink?.recordingId }, "the disk is full: the recording stops here");
        listening.stop(DISK_FULL_TERM_REASON);
      });
    }
    termReason = await listening.ended;
    // A finish key in the very first frame leaves nothing to keep: no recording, like no speech.
    recorded = sink !== undefined && capture.recording && sink.samples > 0;
  }

  const hungUp = termReason === "hangup";
  const body = await finishRecording(ctx, sink, recorded, options.privacyMode, termReason);
  if (hungUp) {
    await ctx.notify(attrs.actionUrl, body);
    return { kind: "end", reason: "farEndHangup" };
  }
  return continueWith(ctx, attrs.actionUrl, body);
};

/** Throws away a file opened for a recording that never began; failing to is only logged. */
async function discard(ctx: CommandContext, opening: Promise<RecordingSink>): Promise<void> {
  try {
    await ctx.clock.track(opening.then((sink) => sink.abort()));
  } catch (err) {
    ctx.log.warn({ err }, "could not discard the file of a recording that never began");
  }
}

/** Where captured frames go: held in order until the sink is open, then straight to it. */
class SinkWhenOpen {
  private sink: RecordingSink | undefined;
  private held: Int16Array[] = [];

  /** True when the frame sent a chunk to the file (I/O started). */
  append(frame: Int16Array): boolean {
    if (this.sink) return this.sink.append(frame);
    this.held.push(frame);
    return false;
  }

  open(sink: RecordingSink): void {
    this.sink = sink;
    for (const frame of this.held) sink.append(frame);
    this.held = [];
  }
}

function listen(
  ctx: CommandContext,
  signal: AbortSignal,
  capture: UtteranceCapture,
  output: SinkWhenOpen,
  options: { finishOnKey?: string },
): { ended: Promise<TermReason>; stop(reason: TermReason): void } {
  let stop: (reason: TermReason) => void = () => undefined;
  const ended = new Promise<TermReason>((resolve) => {
    // A full chunk going to the blob starts I/O, so that frame did not run to completion.
    let handedOff = false;
    const write = (frame: Int16Array) => {
      if (output.append(frame)) handedOff = true;
    };
    let stopped = false;
    stop = (reason: TermReason) => {
      if (stopped) return;
      stopped = true;
      stopFrames();
      stopDigits();
      signal.removeEventListener("abort", onHangup);
      resolve(reason);
    };
    const onHangup = () => stop("hangup");
    const stopFrames = ctx.media.onFrame((frame) => {
      handedOff = false;
      const end = capture.push(frame, write);
      if (end === undefined) return !handedOff;
      stop(end);
      return false;
    });
    // Other keys are ignored; the finish key itself never reaches the recording.
    const stopDigits = ctx.media.onDigit((digit) => {
      if (digit === options.finishOnKey) stop("finishKey");
    });
    if (signal.aborted) onHangup();
    else signal.addEventListener("abort", onHangup, { once: true });
  });
  return { ended, stop: (reason) => stop(reason) };
}

async function finishRecording(
  ctx: CommandContext,
  sink: RecordingSink | undefined,
  recorded: boolean,
  privacyMode: boolean,
  termReason: TermReason,
) {
  const extra = {
    recordingFormat: "audio/wav" as const,
    termReason,
    privacyMode,
    ...(termReason === "hangup" ? { callStatus: "completed" as const } : {}),
  };
  if (!sink || !recorded) {
    // autoStart heard no speech: the webhook still goes out so the call can go on.
    if (sink) await ctx.clock.track(sink.abort());
    ctx.emit({
      type: "recording",
      recordingId: null,
      recordingUrl: null,
      sizeBytes: 0,
      durationSec: 0,
      durationMs: 0,
      termReason,
    });
    return ctx.webhookBody("record", {
      ...extra,
      recordingId: null,
      recordingUrl: null,
      recordingSize: "0",
      recordingDurationSec: 0,
    });
  }
  let row: RecordingRow;
  try {
    row = await sink.finish(privacyMode);
  } catch (err) {
    if (!isDiskFullError(err)) throw err;
    // Nothing of it could be kept (not one sample reached the disk, or its row did not fit).
    ctx.log.warn({ err, recordingId: sink.recordingId }, "the disk is full: the recording is lost");
    return finishRecording(ctx, undefined, false, privacyMode, termReason);
  }
  const url = ctx.recordingUrl(row.recordingId);
  const durationSec = Math.ceil(row.durationMs / 1000);
  ctx.emit({
    type: "recording",
    recordingId: row.recordingId,
    recordingUrl: url,
    sizeBytes: row.sizeBytes,
    durationSec,
    durationMs: row.durationMs,
    termReason,
  });
  return ctx.webhookBody("record", {
    ...extra,
    recordingId: row.recordingId,
    recordingUrl: url,
    recordingSize: String(row.sizeBytes),
    recordingDurationSec: durationSec,
  });
}
