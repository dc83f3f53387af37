import { continueWith } from "./continue-with.js";
import type { CommandHandler } from "./types.js";

export const redirect: CommandHandler<"Redirect"> = async (attrs, ctx) =>
  continueWith(ctx, attrs.actionUrl, ctx.webhookBody("redirect"));
