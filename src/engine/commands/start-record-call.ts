import { NEXT } from "../context.js";
import type { CommandHandler } from "./types.js";

/**
 * Starts recording the whole call, from now to its end, and goes straight on: the recording's
 * fields arrive with the call's callStatus webhook. A second StartRecordCall in the same call is
 * logged and ignored: the first recording goes on.
 */
export const startRecordCall: CommandHandler<"StartRecordCall"> = async (attrs, ctx) => {
  await ctx.answer();
  if (ctx.signal.aborted) return NEXT;
  const started = await ctx.recordCall(attrs.tracks === "separate" ? 2 : 1);
  if (!started && !ctx.signal.aborted) ctx.log.warn("StartRecordCall: the call is already being recorded");
  return NEXT;
};
