import type { CommandContext, CommandResult } from "../context.js";
import { NEXT } from "../context.js";
import type { WebhookBody } from "../ports.js";
import type { QueueExit, QueueMember } from "../queue/queue-member.js";
import type { JoinOutcome } from "../queue/registry.js";
import { continueWith } from "./continue-with.js";
import { QUEUE_WAIT_COMMANDS, queueWaitBody } from "./queue-wait.js";
import type { AttrsOf, CommandHandler } from "./types.js";
import { runWaitScripts } from "./wait-scripts.js";

/**
 * Puts the call at the back of a queue (created on first use) and plays it `waitUrl`'s scripts
 * until it leaves: dequeued (Dequeue, the REST API), hung up, or a wait script that failed. Then
 * `actionUrl` continues the call (docs/queues.md); a caller who hung up only notifies it.
 */
export const enqueue: CommandHandler<"Enqueue"> = async (attrs, ctx, signal) => {
  await ctx.answer();
  if (signal.aborted) return NEXT;
  const joined = await join(ctx, attrs.queueId);
  if (!joined.ok) {
    ctx.emit({ type: "queue", queueId: attrs.queueId, event: "refused", result: joined.result });
    // The call's log says no more than that: whose the queue is stays in Belay's own log.
    if (joined.result === "systemError") {
      ctx.emit({
        type: "error",
        message: `Enqueue: the call could not join queue ${attrs.queueId} (systemError)`,
      });
    }
    const body = ctx.webhookBody("removeFromQueueNotification", {
      queueId: attrs.queueId,
      queueResult: joined.result,
      queueTime: 0,
    });
    return continueWith(ctx, attrs.actionUrl, body);
  }
  const { member } = joined;
  const { ended, removal } = await wait(attrs, ctx, signal, member);
  const { result, seconds } = await member.left;
  await removal();
  ctx.setHold(undefined);
  ctx.emit({ type: "queue", queueId: member.queueId, event: "left", result });
  if (result === "systemError") {
    const why = (ended?.kind === "end" && ended.message) || "its wait script failed";
    const message = `the call left queue ${member.queueId} (systemError): ${why}`;
    ctx.log.error({ queueId: member.queueId, waitUrl: attrs.waitUrl }, message);
    // In the call's log (/Calls/{callId}/Logs) too: the app's wait script is what went wrong.
    ctx.emit({ type: "error", message });
  }
  const body: WebhookBody =
    result === "dequeued"
      ? ctx.webhookBody("dequeue", { queueId: member.queueId, queueResult: result, queueTime: seconds })
      : ctx.webhookBody("removeFromQueueNotification", {
          queueId: member.queueId,
          queueResult: result,
          queueTime: seconds,
        });
  if (signal.aborted || result === "hangup") {
    // The call is gone or going: the app hears why it left, but there is nothing to continue.
    await ctx.notify(attrs.actionUrl, body);
    return ended?.kind === "end" && ended.reason === "appHangup" ? ended : NEXT;
  }
  return continueWith(ctx, attrs.actionUrl, body);
};

/** Joins through the registry; a store that fails is a systemError, as a queue of another account is. */
async function join(ctx: CommandContext, queueId: string): Promise<JoinOutcome> {
  try {
    const outcome = await ctx.clock.track(
      ctx.queues.join(ctx.facts.accountId, queueId, ctx.facts.callId, ctx.clock),
    );
    if (!outcome.ok) {
      const why =
        outcome.result === "queueFull" ? `it is full (maxSize ${outcome.queue.maxSize})` : outcome.message;
      ctx.log.warn(
        { queueId, queueResult: outcome.result },
        `Enqueue: the call could not join queue ${queueId}: ${why}`,
      );
    }
    return outcome;
  } catch (err) {
    const message = `queue ${queueId} could not be read or created`;
    ctx.log.error({ err, queueId }, `Enqueue: ${message}`);
    return { ok: false, result: "systemError", message };
  }
}

/**
 * The member's time in the queue: the hold that gives webhooks their queueId, the notification,
 * and the wait scripts until it leaves. Resolves with what ended the wait from inside (Hangup, a
 * failed script), if anything, and the removal's store write to wait for.
 */
async function wait(
  attrs: AttrsOf<"Enqueue">,
  ctx: CommandContext,
  signal: AbortSignal,
  member: QueueMember,
): Promise<{ ended: CommandResult | undefined; removal: () => Promise<void> }> {
  let removing: Promise<void> = Promise.resolve();
  const leave = (result: QueueExit): boolean => {
    if (!member.inQueue) return false;
    removing = ctx.clock.track(ctx.queues.leave(member, result));
    return true;
  };
  // A caller who hangs up leaves at once: the REST API must not dequeue a call that is gone.
  const hungUp = () => leave("hangup");
  signal.addEventListener("abort", hungUp, { once: true });
  if (signal.aborted) hungUp();
  ctx.setHold({ kind: "queue", queueId: member.queueId, release: () => leave("dequeued") });
  ctx.emit({ type: "queue", queueId: member.queueId, event: "joined" });
  let ended: CommandResult | undefined;
  try {
    if (attrs.notificationUrl) {
      await ctx.notify(
        attrs.notificationUrl,
        ctx.webhookBody("addToQueueNotification", { queueId: member.queueId }),
      );
    }
    ended = await runWaitScripts(ctx, {
      waitUrl: attrs.waitUrl,
      body: () => queueWaitBody(ctx, member),
      allowed: QUEUE_WAIT_COMMANDS,
      over: AbortSignal.any([signal, member.leftSignal]),
    });
    // A Hangup in the wait script ends the call: the caller leaves as one who hung up.
    if (ended?.kind === "end") leave(ended.reason === "appHangup" ? "hangup" : "systemError");
  } finally {
    signal.removeEventListener("abort", hungUp);
    // Whatever went wrong above, the call does not stay in the queue.
    leave("systemError");
  }
  return { ended, removal: () => removing };
}

export const describeEnqueue = (attrs: AttrsOf<"Enqueue">): string => `${attrs.queueId} → ${attrs.actionUrl}`;
