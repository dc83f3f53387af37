import type { ParkResult } from "../../contract/webhooks.js";
import { type CommandContext, type CommandResult, NEXT } from "../context.js";
import type { Hold } from "../hold.js";
import type { WebhookBody } from "../ports.js";
import { continueWith } from "./continue-with.js";
import type { CommandHandler, CommandName } from "./types.js";
import { runWaitScripts } from "./wait-scripts.js";

/** What a Park's wait script may hold (Belay decides, docs/parking.md). */
export const PARK_WAIT_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>([
  "Play",
  "Say",
  "Pause",
  "GetDigits",
  "Unpark",
  "Hangup",
  "Redirect",
]);

/**
 * Puts the call on hold: `notificationUrl` hears parkNotification, then `waitUrl`'s scripts play
 * (parkWait), asked again each time one runs out, until Unpark or the REST API resumes the call;
 * `actionUrl` then gets `unpark` and its PerCL continues the call. If the call ends while parked,
 * `actionUrl` gets `unpark` as a notification instead: every Park is answered by one `unpark`.
 */
export const park: CommandHandler<"Park"> = async (attrs, ctx, signal) => {
  await ctx.answer();
  if (signal.aborted) return NEXT;
  const parked = new ParkHold();
  const parkedAt = ctx.clock.now();
  const parkTime = () => Math.max(0, Math.floor((ctx.clock.now() - parkedAt) / 1000));
  ctx.setHold(parked);
  ctx.emit({ type: "parked" });
  let ended: CommandResult | undefined;
  try {
    if (attrs.notificationUrl) await ctx.notify(attrs.notificationUrl, ctx.webhookBody("parkNotification"));
    ended = await runWaitScripts(ctx, {
      waitUrl: attrs.waitUrl,
      body: () => ctx.webhookBody("parkWait", { parkTime: parkTime() }),
      allowed: PARK_WAIT_COMMANDS,
      over: AbortSignal.any([parked.released, signal]),
    });
  } finally {
    // From here the call is no longer parked: a REST resume now is refused (409).
    parked.close();
    ctx.setHold(undefined);
  }
  const parkResult = resultOf(parked, ctx, signal, ended);
  ctx.emit({ type: "unparked", parkResult, parkTime: parkTime() });
  const body = ctx.webhookBody("unpark", { parkResult, parkTime: parkTime() });
  if (parkResult === "unpark" || parkResult === "restApi") return continueWith(ctx, attrs.actionUrl, body);
  // The call is over: the app hears how its park ended, and there is nothing to continue.
  await notifyEnded(ctx, attrs.actionUrl, body);
  return ended ?? NEXT;
};

function resultOf(
  parked: ParkHold,
  ctx: CommandContext,
  signal: AbortSignal,
  ended: CommandResult | undefined,
): ParkResult {
  if (signal.aborted) return ctx.farEndHungUp() ? "hangup" : "callEnded";
  if (ended) return "callEnded";
  return parked.releasedBy === "api" ? "restApi" : "unpark";
}

/** The unpark notification of a call that ended while parked: a failure to queue it is logged, never thrown. */
async function notifyEnded(ctx: CommandContext, url: string, body: WebhookBody): Promise<void> {
  try {
    await ctx.notify(url, body);
  } catch (err) {
    ctx.log.error({ err, url }, "the unpark webhook could not be queued");
  }
}

/** A Park's hold: released once, by the wait script's Unpark or the REST API. */
class ParkHold implements Hold {
  readonly kind = "park";
  readonly queueId = null;
  releasedBy: "command" | "api" | undefined;
  private readonly controller = new AbortController();

  get released(): AbortSignal {
    return this.controller.signal;
  }

  release(by: "command" | "api" = "command"): boolean {
    if (this.controller.signal.aborted) return false;
    this.releasedBy = by;
    this.controller.abort();
    return true;
  }

  /** The park is over: nothing can release it any more. */
  close(): void {
    this.controller.abort();
  }
}
