import type { CreateTableBuilder, Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";

/**
 * Call queues: their settings and the running totals behind averageQueueRemovalTime. Members are
 * live calls and are not stored: after a crash their calls are ended, so the queues are empty.
 */
async function createQueues<DB>(db: Kysely<DB>, dialect: SqlDialectName): Promise<void> {
  const seq = (table: CreateTableBuilder<string, string>) =>
    dialect === "postgres"
      ? table.addColumn("seq", "bigserial", (col) => col.primaryKey())
      : table.addColumn("seq", "integer", (col) => col.primaryKey().autoIncrement());
  await db.schema
    .createTable("queues")
    .$call(seq)
    .addColumn("queue_id", "text", (col) => col.notNull().unique())
    .addColumn("account_id", "text", (col) => col.notNull().references("accounts.account_id"))
    .addColumn("alias", "text")
    .addColumn("max_size", "integer", (col) => col.notNull())
    .addColumn("removals", "integer", (col) => col.notNull())
    .addColumn("removal_seconds", "bigint", (col) => col.notNull())
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .addColumn("date_updated", "bigint", (col) => col.notNull())
    .addColumn("revision", "integer", (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex("queues_account_created_idx")
    .on("queues")
    .columns(["account_id", "date_created", "seq"])
    .execute();
}

export function queuesMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await createQueues(db, dialect);
      else await db.transaction().execute((trx) => createQueues(trx, dialect));
    },
    async down(db) {
      await db.schema.dropTable("queues").execute();
    },
  };
}
