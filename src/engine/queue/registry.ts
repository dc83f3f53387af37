import type { Logger } from "pino";
import { DEFAULTS } from "../../contract/defaults.js";
import type { QueueRow, Store } from "../../store/types.js";
import type { Clock } from "../../time/clock.js";
import { type MemberView, type QueueExit, QueueMember } from "./queue-member.js";

/** How an Enqueue went: in the queue, or why not. */
export type JoinOutcome =
  | { ok: true; member: QueueMember; queue: QueueRow }
  | { ok: false; result: "queueFull"; queue: QueueRow }
  | { ok: false; result: "systemError"; message: string };

/**
 * The call queues of this Belay: who waits in each, in order. Queue settings (alias, maxSize) and
 * removal totals are stored; members are live calls, kept here. Enqueue joins through it, and the
 * REST API reads and dequeues members through it (it implements src/calls/queue-control.ts).
 */
export class QueueRegistry {
  private readonly waiting = new Map<string, QueueMember[]>();

  constructor(private readonly deps: { store: Store; logger: Logger }) {}

  /**
   * Puts a call at the back of `queueId`, creating the queue (maxSize 100) if this account has
   * none by that id. A queue at or over its maxSize refuses it (queueFull).
   */
  async join(accountId: string, queueId: string, callId: string, clock: Clock): Promise<JoinOutcome> {
    const queue = await this.queueFor(accountId, queueId);
    if (!queue.ok) return queue;
    const members = this.waiting.get(queueId) ?? [];
    if (members.length >= queue.row.maxSize) return { ok: false, result: "queueFull", queue: queue.row };
    const member = new QueueMember(accountId, queueId, callId, clock, clock.now());
    members.push(member);
    this.waiting.set(queueId, members);
    return { ok: true, member, queue: queue.row };
  }

  /** Takes the member out of its queue (the first reason wins); its removal counts towards the average. */
  async leave(member: QueueMember, result: QueueExit): Promise<void> {
    const members = this.waiting.get(member.queueId);
    const index = members?.indexOf(member) ?? -1;
    if (members && index >= 0) {
      members.splice(index, 1);
      if (members.length === 0) this.waiting.delete(member.queueId);
    }
    const leave = member.finish(result);
    if (!leave) return;
    try {
      await this.deps.store.queues.recordRemoval(member.accountId, member.queueId, leave.seconds);
    } catch (err) {
      this.deps.logger.warn({ err, queueId: member.queueId }, "could not count a removal from the queue");
    }
  }

  /** 1-based place in its queue; 0 once it has left. */
  position(member: QueueMember): number {
    return (this.waiting.get(member.queueId)?.indexOf(member) ?? -1) + 1;
  }

  /** Calls waiting in the queue now. */
  size(queueId: string): number {
    return this.waiting.get(queueId)?.length ?? 0;
  }

  // --- the REST API's view (QueueControl) ---

  /** Every member of one of the account's queues, front first. */
  members(accountId: string, queueId: string): MemberView[] {
    return this.ownMembers(accountId, queueId).map((member, index) => view(member, index));
  }

  /** One member; `callId` undefined is the front of the queue. */
  member(accountId: string, queueId: string, callId?: string): MemberView | undefined {
    const members = this.ownMembers(accountId, queueId);
    const index =
      callId === undefined ? (members.length > 0 ? 0 : -1) : members.findIndex((m) => m.callId === callId);
    const member = members[index];
    return member && view(member, index);
  }

  /**
   * Dequeues a member (`callId` undefined: the front one): it leaves the queue and its Enqueue
   * continues with actionUrl. Returns the member as it was, or undefined if there is none.
   */
  dequeue(accountId: string, queueId: string, callId?: string): MemberView | undefined {
    const found = this.member(accountId, queueId, callId);
    if (!found) return undefined;
    const member = this.ownMembers(accountId, queueId)[found.position - 1];
    if (member) void this.leave(member, "dequeued");
    return found;
  }

  private ownMembers(accountId: string, queueId: string): QueueMember[] {
    return (this.waiting.get(queueId) ?? []).filter((m) => m.accountId === accountId);
  }

  private async queueFor(
    accountId: string,
    queueId: string,
  ): Promise<{ ok: true; row: QueueRow } | { ok: false; result: "systemError"; message: string }> {
    const { store } = this.deps;
    const own = await store.queues.get(accountId, queueId);
    if (own) return { ok: true, row: own };
    if (await store.queues.find(queueId)) {
      return { ok: false, result: "systemError", message: `queue ${queueId} belongs to another account` };
    }
    try {
      const row = await store.queues.create({
        queueId,
        accountId,
        alias: null,
        maxSize: DEFAULTS.queue.maxSize,
      });
      return { ok: true, row };
    } catch (err) {
      // Two callers created it at once: the other one's row is as good.
      const raced = await store.queues.get(accountId, queueId);
      if (raced) return { ok: true, row: raced };
      throw err;
    }
  }
}

function view(member: QueueMember, index: number): MemberView {
  return {
    callId: member.callId,
    position: index + 1,
    waitTime: member.waitSeconds(),
    dateEnqueued: member.enqueuedAt,
  };
}
