import { DEFAULTS } from "../../contract/defaults.js";
import type { PerclCommand } from "../../contract/percl/index.js";
import type { CommandContext, CommandResult } from "../context.js";
import type { WebhookBody } from "../ports.js";
import { describeCommand, executeCommand } from "./index.js";
import type { CommandName } from "./types.js";

/** What a hold (a queue, a Park) plays while the call waits in it. */
export interface WaitScripts {
  waitUrl: string;
  /** Each request's body, made when it is sent (queueWait carries the position then). */
  body(): WebhookBody;
  /** The commands a wait script may hold; anything else ends the call (perclProcessingError). */
  allowed: ReadonlySet<CommandName>;
  /** Aborts when the hold is over (released, the call hung up): the running command stops at once. */
  over: AbortSignal;
}

/**
 * Asks `waitUrl` for a script and runs it, and asks again each time one runs out, until the hold
 * is over; a GetDigits' or Redirect's script runs in the hold too. Resolves undefined when the hold
 * ended, or with what ended the call from inside (Hangup, a failed request, a command not allowed).
 */
export async function runWaitScripts(
  ctx: CommandContext,
  wait: WaitScripts,
): Promise<CommandResult | undefined> {
  while (!wait.over.aborted) {
    const startedAt = ctx.clock.now();
    const outcome = await ctx.requestPercl(wait.waitUrl, wait.body());
    if (wait.over.aborted) return undefined;
    if (!outcome.ok) return { kind: "end", reason: outcome.reason, message: outcome.message };
    const ended = await runScript(ctx, wait, outcome.script);
    if (wait.over.aborted) return undefined;
    if (ended) return ended;
    // A script that played nothing would otherwise be asked for again in a tight loop.
    if (ctx.clock.now() === startedAt) await ctx.clock.sleep(DEFAULTS.waitScriptRetryMs, wait.over);
  }
  return undefined;
}

async function runScript(
  ctx: CommandContext,
  wait: WaitScripts,
  first: PerclCommand[],
): Promise<CommandResult | undefined> {
  let script = first;
  for (;;) {
    await ctx.prepareAudio(script);
    let next: PerclCommand[] | undefined;
    for (const [index, command] of script.entries()) {
      if (wait.over.aborted) return undefined;
      if (!wait.allowed.has(command.name)) return refused(ctx, wait, command.name);
      const detail = describeCommand(command);
      ctx.emit({ type: "command", index, name: command.name, ...(detail ? { detail } : {}) });
      const result = await executeCommand(command, ctx, wait.over);
      if (wait.over.aborted) return undefined;
      if (result.kind === "end") return result;
      if (result.kind === "script") {
        next = result.script;
        break;
      }
    }
    if (!next) return undefined;
    script = next;
  }
}

function refused(ctx: CommandContext, wait: WaitScripts, name: string): CommandResult {
  const message = `a wait script may only hold ${[...wait.allowed].join(", ")}; it held ${name}`;
  ctx.log.error({ command: name, waitUrl: wait.waitUrl }, message);
  return { kind: "end", reason: "perclProcessingError", message };
}
