import type { QueueMember, QueueResult } from "../contract/rest.js";
import { rfc1123 } from "../contract/rest.js";
import type { MemberView } from "../engine/queue/queue-member.js";
import type { QueueRow } from "../store/types.js";

/** Queue rows and live members → FreeClimb's shapes (uri relative to /apiserver, RFC 1123 dates). */

export function queuePath(accountId: string, queueId: string): string {
  return `/Accounts/${accountId}/Queues/${queueId}`;
}

/**
 * `currentSize` is the live count from the queue engine, null when the API runs without one.
 * averageQueueRemovalTime is whole seconds, rounded, and 0 until a caller has left.
 */
export function presentQueue(row: QueueRow, currentSize: number | null): QueueResult {
  const uri = queuePath(row.accountId, row.queueId);
  return {
    uri,
    dateCreated: rfc1123(row.dateCreated),
    dateUpdated: rfc1123(row.dateUpdated),
    revision: row.revision,
    accountId: row.accountId,
    queueId: row.queueId,
    alias: row.alias,
    maxSize: row.maxSize,
    currentSize,
    averageQueueRemovalTime: row.removals > 0 ? Math.round(row.removalSeconds / row.removals) : 0,
    subresourceUris: { members: `${uri}/Members` },
  };
}

export function presentMember(accountId: string, queueId: string, member: MemberView): QueueMember {
  return {
    uri: `${queuePath(accountId, queueId)}/Members/${member.callId}`,
    callId: member.callId,
    waitTime: member.waitTime,
    position: member.position,
    dateEnqueued: rfc1123(member.dateEnqueued),
  };
}
