import type { Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";

/**
 * Call logs (FreeClimb's LogResult): listed newest first per account or per call, and deleted by
 * age under the webhook delivery log's retention.
 */
async function createCallLogs<DB>(db: Kysely<DB>, dialect: SqlDialectName): Promise<void> {
  await db.schema
    .createTable("call_logs")
    .$call((table) =>
      dialect === "postgres"
        ? table.addColumn("seq", "bigserial", (col) => col.primaryKey())
        : table.addColumn("seq", "integer", (col) => col.primaryKey().autoIncrement()),
    )
    .addColumn("account_id", "text", (col) => col.notNull().references("accounts.account_id"))
    .addColumn("call_id", "text")
    .addColumn("timestamp_us", "bigint", (col) => col.notNull())
    .addColumn("level", "text", (col) => col.notNull())
    .addColumn("request_id", "text")
    .addColumn("message", "text", (col) => col.notNull())
    /** JSON text; null when the entry has none. */
    .addColumn("metadata", "text")
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex("call_logs_account_time_idx")
    .on("call_logs")
    .columns(["account_id", "timestamp_us", "seq"])
    .execute();
  await db.schema
    .createIndex("call_logs_call_time_idx")
    .on("call_logs")
    .columns(["call_id", "timestamp_us", "seq"])
    .execute();
  await db.schema.createIndex("call_logs_created_idx").on("call_logs").columns(["date_created"]).execute();
}

export function callLogsMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await createCallLogs(db, dialect);
      else await db.transaction().execute((trx) => createCallLogs(trx, dialect));
    },
    async down(db) {
      await db.schema.dropTable("call_logs").execute();
    },
  };
}
