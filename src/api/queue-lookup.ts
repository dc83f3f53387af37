import type { QueueControl } from "../calls/queue-control.js";
import type { MemberView } from "../engine/queue/queue-member.js";
import type { QueueRow, Store } from "../store/types.js";
import { apiError } from "./errors.js";
import { accountParams, idOf } from "./schemas.js";

/*
 * What the queue and member routes share: their path params, finding the queue (stored) and the
 * member (live, in the queue engine) they name, 404 in FreeClimb's error shape when there is none.
 */

export const queueParams = accountParams.extend({ queueId: idOf("QU") });
export const memberParams = queueParams.extend({ callId: idOf("CA") });

/** The account's queue; another account's is the same 404 as one that does not exist. */
export async function findQueue(store: Store, accountId: string, queueId: string): Promise<QueueRow> {
  const row = await store.queues.get(accountId, queueId);
  if (!row) throw apiError("QUEUE_NOT_FOUND", `queue ${queueId} not found`);
  return row;
}

/** The live queue engine, or 503: members are live calls, only the engine knows them. */
export function liveQueues(control: QueueControl | undefined): QueueControl {
  if (control) return control;
  throw apiError(
    "QUEUES_UNAVAILABLE",
    "queue members cannot be read or dequeued here: this Belay runs without a queue engine",
  );
}

/** The member the engine answered with, or 404: the front of an empty queue, or a call not in it. */
export function foundMember(member: MemberView | undefined, queueId: string, callId?: string): MemberView {
  if (member) return member;
  if (callId === undefined)
    throw apiError("QUEUE_MEMBER_NOT_FOUND", `queue ${queueId} is empty: it has no front member`, {
      queueId,
    });
  throw apiError("QUEUE_MEMBER_NOT_FOUND", `call ${callId} is not a member of queue ${queueId}`, {
    queueId,
    callId,
  });
}
