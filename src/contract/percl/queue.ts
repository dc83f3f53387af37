import { z } from "zod";
import { absoluteUrl, resourceId } from "./fields.js";

/** Call queues: waiting in one (Enqueue) and taking the waiting caller out (Dequeue). */

export const enqueueAttrs = z.object({
  /** Created on first use when it does not exist yet. */
  queueId: resourceId("QU"),
  /** Its script is played to the caller while waiting. */
  waitUrl: absoluteUrl(),
  /** Requested when the call leaves the queue; its script continues the call. */
  actionUrl: absoluteUrl(),
  notificationUrl: absoluteUrl().optional(),
});
export type EnqueueAttrs = z.output<typeof enqueueAttrs>;

export const dequeueAttrs = z.object({});
export type DequeueAttrs = z.output<typeof dequeueAttrs>;
