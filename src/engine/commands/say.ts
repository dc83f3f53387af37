import { NEXT } from "../context.js";
import { playLooped } from "./play-looped.js";
import type { AttrsOf, CommandHandler } from "./types.js";

/**
 * The audio is synthesised before the call is answered, since answering starts the call's
 * timeline; a synthesis that fails still answers first, then fails the call.
 */
export const say: CommandHandler<"Say"> = async (attrs, ctx, signal) => {
  let pcm: Int16Array | undefined;
  try {
    if (attrs.text !== "") pcm = await ctx.speak(attrs.text, attrs.language);
  } finally {
    await ctx.answer();
  }
  if (pcm) await playLooped(ctx, pcm, attrs.loop, signal);
  return NEXT;
};

const MAX_TEXT = 60;

/** The timeline shows the text, shortened, or that privacyMode withholds it. */
export const describeSay = (attrs: AttrsOf<"Say">): string => {
  if (attrs.privacyMode) return "(text withheld: privacyMode)";
  const text = attrs.text;
  return JSON.stringify(text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);
};
