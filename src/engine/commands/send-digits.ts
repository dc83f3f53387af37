import { DEFAULTS } from "../../contract/defaults.js";
import { NEXT } from "../context.js";
import type { AttrsOf, CommandHandler } from "./types.js";

export const sendDigits: CommandHandler<"SendDigits"> = async (attrs, ctx) => {
  await ctx.answer();
  // FreeClimb adjusts a pauseMs outside 100-1000 ms into that range rather than rejecting it.
  const { pauseMs, minPauseMs, maxPauseMs } = DEFAULTS.sendDigits;
  const pause = Math.min(maxPauseMs, Math.max(minPauseMs, attrs.pauseMs ?? pauseMs));
  await ctx.sendDigits(attrs.digits, pause, attrs.privacyMode === true);
  return NEXT;
};

/** privacyMode: the timeline does not show the digits. */
export const describeSendDigits = (attrs: AttrsOf<"SendDigits">): string | undefined =>
  attrs.privacyMode ? undefined : attrs.digits;
