import { NEXT } from "../context.js";
import type { CommandHandler } from "./types.js";

export const pause: CommandHandler<"Pause"> = async (attrs, ctx, signal) => {
  await ctx.answer();
  await ctx.clock.sleep(attrs.length, signal);
  return NEXT;
};
