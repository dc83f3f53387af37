import type { CommandHandler } from "./types.js";
import { continueWith } from "./continue-with.js";

export const redirect: CommandHandler<"Redirect"> = async (attrs, ctx) =>
  continueWith(ctx, attrs.actionUrl, ctx.webhookBody("redirect"));
