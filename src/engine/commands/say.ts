import { NEXT } from "../context.js";
import { playLooped } from "./play-looped.js";
import type { CommandHandler } from "./types.js";

export const say: CommandHandler<"Say"> = async (attrs, ctx, signal) => {
  await ctx.answer();
  if (attrs.text === "") return NEXT;
  const pcm = await ctx.speak(attrs.text, attrs.language);
  await playLooped(ctx, pcm, attrs.loop, signal);
  return NEXT;
};
