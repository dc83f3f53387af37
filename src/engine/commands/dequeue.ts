import { NEXT } from "../context.js";
import type { CommandHandler } from "./types.js";

/**
 * The waiting caller takes itself out of its queue: only meaningful in an Enqueue's wait script
 * (or a script a GetDigits or Redirect there leads to). Its Enqueue then continues with actionUrl.
 * Anywhere else there is no queue to leave: the call ends with perclProcessingError (docs/queues.md).
 */
export const dequeue: CommandHandler<"Dequeue"> = async (_attrs, ctx) => {
  const hold = ctx.hold();
  if (hold?.kind !== "queue") {
    const message =
      "Dequeue: the call is not waiting in a queue (Dequeue belongs in the PerCL of an Enqueue's waitUrl)";
    ctx.log.error(message);
    return { kind: "end", reason: "perclProcessingError", message };
  }
  hold.release();
  return NEXT;
};
