import type { MemberView } from "../engine/queue/queue-member.js";

/*
 * The port the REST API calls for a queue's members, who are live calls. The queue engine
 * implements it (src/engine/queue/registry.ts); queue settings are read and written in the store.
 */

export interface QueueControl {
  /** Members of one of the account's queues, front first. */
  members(accountId: string, queueId: string): MemberView[];
  /** One member; `callId` undefined is the front of the queue. */
  member(accountId: string, queueId: string, callId?: string): MemberView | undefined;
  /** Dequeues a member (front when `callId` is undefined); its Enqueue goes on with actionUrl. */
  dequeue(accountId: string, queueId: string, callId?: string): MemberView | undefined;
  /** Calls waiting in the queue now (currentSize). */
  size(queueId: string): number;
}
