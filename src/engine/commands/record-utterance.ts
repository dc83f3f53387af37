import { DEFAULTS } from "../../contract/defaults.js";
import { beep } from "../../media/tones.js";
import type { CommandContext } from "../context.js";
import type { RecordingSink } from "../recorder.js";
import { continueWith } from "./continue-with.js";
import type { CommandHandler } from "./types.js";
import { type CaptureEnd, UtteranceCapture } from "./utterance-capture.js";
import { withDefaults } from "./with-defaults.js";

type TermReason = CaptureEnd | "finishKey" | "hangup";

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
  const opening = signal.aborted ? undefined : ctx.recorder.open();
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
    sink = await opening;
    const capture = new UtteranceCapture({
      silenceTimeoutMs: options.silenceTimeoutMs,
      maxLengthMs: options.maxLengthSec * 1000,
      autoStart: options.autoStart,
    });
    ctx.emit({ type: "recordingStarted", recordingId: sink.recordingId });
    termReason = await listen(ctx, signal, sink, capture, options);
    // A finish key in the very first frame leaves nothing to keep: no recording, like no speech.
    recorded = capture.recording && sink.samples > 0;
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

function listen(
  ctx: CommandContext,
  signal: AbortSignal,
  sink: RecordingSink,
  capture: UtteranceCapture,
  options: { finishOnKey?: string },
): Promise<TermReason> {
  return new Promise<TermReason>((resolve) => {
    // A full chunk going to the blob starts I/O, so that frame did not run to completion.
    let handedOff = false;
    const write = (frame: Int16Array) => {
      if (sink.append(frame)) handedOff = true;
    };
    const stop = (reason: TermReason) => {
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
}

async function finishRecording(
  ctx: CommandContext,
  sink: RecordingSink | undefined,
  recorded: boolean,
  privacyMode: boolean,
  termReason: TermReason,
) {
  const extra = {
    recordingFormat: "audio/wav",
    termReason,
    privacyMode,
    ...(termReason === "hangup" ? { callStatus: "completed" } : {}),
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
  const row = await sink.finish(privacyMode);
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
