import type { CommandContext } from "../context.js";
import type { QueueMember } from "../queue/queue-member.js";
import type { CommandName } from "./types.js";

/**
 * What a queue's wait script may hold: OpenAPI's list for queueWait, plus Redirect, which
 * FreeClimb's own queue tutorial answers a GetDigits with (docs/queues.md).
 */
export const QUEUE_WAIT_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>([
  "Play",
  "Say",
  "Pause",
  "GetDigits",
  "Dequeue",
  "Hangup",
  "Redirect",
]);

/** The queueWait body as things stand now: the member's place, its wait, the queue's size. */
export function queueWaitBody(ctx: CommandContext, member: QueueMember) {
  return ctx.webhookBody("queueWait", {
    queueId: member.queueId,
    queuePosition: String(ctx.queues.position(member)),
    queueTime: member.waitSeconds(),
    currentQueueSize: ctx.queues.size(member.queueId),
  });
}
