import { NEXT } from "../context.js";
import type { AttrsOf, CommandHandler } from "./types.js";

/**
 * Waits `length` ms. It does not answer: FreeClimb's OpenAPI says a Pause before anything else
 * delays picking up the call, so the next command that needs audio answers it.
 */
export const pause: CommandHandler<"Pause"> = async (attrs, ctx, signal) => {
  await ctx.clock.sleep(attrs.length, signal);
  return NEXT;
};

export const describePause = (attrs: AttrsOf<"Pause">): string => `${attrs.length} ms`;
