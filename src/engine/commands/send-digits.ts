import { DEFAULTS } from "../../contract/defaults.js";
import { NEXT } from "../context.js";
import type { CommandHandler } from "./types.js";

export const sendDigits: CommandHandler<"SendDigits"> = async (attrs, ctx) => {
  await ctx.answer();
  await ctx.sendDigits(attrs.digits, attrs.pauseMs ?? DEFAULTS.sendDigits.pauseMs);
  return NEXT;
};
