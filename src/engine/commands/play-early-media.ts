import { isBelayError } from "../../errors.js";
import { type CommandContext, type CommandResult, NEXT } from "../context.js";
import type { AttrsOf, CommandHandler } from "./types.js";

/**
 * PlayEarlyMedia (docs/early-media.md): the caller hears the file while the call still rings, and
 * the call stays unanswered (ringing, no connectTime) until a later command answers it. Anywhere
 * but first in an inbound call's first script it is skipped with a warning; so is a file that
 * cannot be played. The file is loaded before the audio path opens, so a caller never trades its
 * ringback for silence.
 */
export const playEarlyMedia: CommandHandler<"PlayEarlyMedia"> = async (attrs, ctx, signal) => {
  if (ctx.status() !== "ringing") return skipped(ctx, "the call is already answered");
  let pcm: Int16Array;
  try {
    pcm = await ctx.loadAudio(attrs.file);
  } catch (err) {
    if (!isBelayError(err)) throw err;
    return skipped(ctx, err.message, { code: err.code, file: attrs.file });
  }
  const opened = await ctx.earlyMedia();
  if (!opened.ok) return skipped(ctx, opened.reason);
  await ctx.play(pcm, signal);
  return NEXT;
};

function skipped(ctx: CommandContext, reason: string, fields: Record<string, unknown> = {}): CommandResult {
  const message = `PlayEarlyMedia skipped: ${reason}`;
  ctx.log.warn(fields, message);
  ctx.emit({ type: "error", message });
  return NEXT;
}

export const describePlayEarlyMedia = (attrs: AttrsOf<"PlayEarlyMedia">): string => attrs.file;
