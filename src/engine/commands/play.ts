import { isBelayError } from "../../errors.js";
import { NEXT } from "../context.js";
import { playLooped } from "./play-looped.js";
import type { AttrsOf, CommandHandler } from "./types.js";

/**
 * A file that cannot be played is skipped with a logged error; the script goes on. With
 * privacyMode the file's URL stays out of the log and the timeline: only the error code is told.
 */
export const play: CommandHandler<"Play"> = async (attrs, ctx, signal) => {
  await ctx.answer();
  let pcm: Int16Array;
  try {
    pcm = await ctx.loadAudio(attrs.file);
  } catch (err) {
    if (!isBelayError(err)) throw err;
    const message = attrs.privacyMode
      ? `Play skipped: ${err.code} (file withheld: privacyMode)`
      : `Play skipped: ${err.message}`;
    ctx.log.error(attrs.privacyMode ? { code: err.code } : { code: err.code, file: attrs.file }, message);
    ctx.emit({ type: "error", message });
    return NEXT;
  }
  await playLooped(ctx, pcm, attrs.loop, signal);
  return NEXT;
};

/** The timeline shows the file, or that privacyMode withholds it. */
export const describePlay = (attrs: AttrsOf<"Play">): string =>
  attrs.privacyMode ? "(file withheld: privacyMode)" : attrs.file;
