import { isBelayError } from "../../errors.js";
import { NEXT } from "../context.js";
import { playLooped } from "./play-looped.js";
import type { CommandHandler } from "./types.js";

/** A file that cannot be played is skipped with a logged error; the script goes on. */
export const play: CommandHandler<"Play"> = async (attrs, ctx, signal) => {
  await ctx.answer();
  let pcm: Int16Array;
  try {
    pcm = await ctx.loadAudio(attrs.file);
  } catch (err) {
    if (!isBelayError(err)) throw err;
    const message = `Play skipped: ${err.message}`;
    ctx.log.error({ code: err.code, file: attrs.file }, message);
    ctx.emit({ type: "error", message });
    return NEXT;
  }
  await playLooped(ctx, pcm, attrs.loop, signal);
  return NEXT;
};
