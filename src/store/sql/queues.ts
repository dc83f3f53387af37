import { type Kysely, type Selectable, sql } from "kysely";
import type { ListOptions, Page, QueueRepo, QueueRow } from "../types.js";
import { decodeInt64 } from "./codec.js";
import { pageBounds } from "./paging.js";
import type { Database, QueuesTable } from "./schema.js";
import { translateWriteError } from "./sql-errors.js";

function queueFromColumns(q: Selectable<QueuesTable>): QueueRow {
  return {
    queueId: q.queue_id,
    accountId: q.account_id,
    alias: q.alias,
    maxSize: q.max_size,
    removals: q.removals,
    removalSeconds: decodeInt64(q.removal_seconds),
    dateCreated: decodeInt64(q.date_created),
    dateUpdated: decodeInt64(q.date_updated),
    revision: q.revision,
  };
}

export class SqlQueueRepo implements QueueRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async create(row: Pick<QueueRow, "queueId" | "accountId" | "alias" | "maxSize">): Promise<QueueRow> {
    const now = this.now();
    try {
      const inserted = await this.db
        .insertInto("queues")
        .values({
          queue_id: row.queueId,
          account_id: row.accountId,
          alias: row.alias,
          max_size: row.maxSize,
          removals: 0,
          removal_seconds: 0,
          date_created: now,
          date_updated: now,
          revision: 1,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return queueFromColumns(inserted);
    } catch (err) {
      throw translateWriteError(err, "create queue", { accountId: row.accountId, queueId: row.queueId });
    }
  }

  async get(accountId: string, queueId: string): Promise<QueueRow | undefined> {
    const row = await this.db
      .selectFrom("queues")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("queue_id", "=", queueId)
      .executeTakeFirst();
    return row && queueFromColumns(row);
  }

  async find(queueId: string): Promise<QueueRow | undefined> {
    const row = await this.db
      .selectFrom("queues")
      .selectAll()
      .where("queue_id", "=", queueId)
      .executeTakeFirst();
    return row && queueFromColumns(row);
  }

  async list(
    accountId: string,
    filter: { alias?: string } = {},
    page?: ListOptions,
  ): Promise<Page<QueueRow>> {
    const { offset, limit } = pageBounds(page);
    let matching = this.db.selectFrom("queues").where("account_id", "=", accountId);
    if (filter.alias !== undefined) matching = matching.where("alias", "=", filter.alias);
    const counted = await matching.select((eb) => eb.fn.countAll().as("total")).executeTakeFirstOrThrow();
    const rows = await matching
      .selectAll()
      .orderBy("date_created", "desc")
      .orderBy("seq", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return { items: rows.map(queueFromColumns), total: decodeInt64(counted.total) };
  }

  async update(
    accountId: string,
    queueId: string,
    patch: Partial<Pick<QueueRow, "alias" | "maxSize">>,
  ): Promise<QueueRow | undefined> {
    const row = await this.db
      .updateTable("queues")
      .set({
        // Absent fields stay absent from the SET clause.
        alias: patch.alias,
        max_size: patch.maxSize,
        date_updated: this.now(),
        revision: sql<number>`revision + 1`,
      })
      .where("account_id", "=", accountId)
      .where("queue_id", "=", queueId)
      .returningAll()
      .executeTakeFirst();
    return row && queueFromColumns(row);
  }

  async recordRemoval(accountId: string, queueId: string, seconds: number): Promise<void> {
    await this.db
      .updateTable("queues")
      .set({
        removals: sql<number>`removals + 1`,
        removal_seconds: sql<number>`removal_seconds + ${seconds}`,
      })
      .where("account_id", "=", accountId)
      .where("queue_id", "=", queueId)
      .execute();
  }
}
