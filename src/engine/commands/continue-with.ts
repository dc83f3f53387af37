import type { CommandContext, CommandResult } from "../context.js";
import type { WebhookBody } from "../ports.js";

/** Hands control back to the app at `url`: its PerCL replaces the rest of the script. */
export async function continueWith(
  ctx: CommandContext,
  url: string,
  body: WebhookBody,
  privateFields?: readonly string[],
): Promise<CommandResult> {
  const outcome = await ctx.requestPercl(url, body, privateFields);
  if (outcome.ok) return { kind: "script", script: outcome.script };
  return { kind: "end", reason: outcome.reason, message: outcome.message };
}
