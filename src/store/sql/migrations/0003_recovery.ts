import type { Kysely, Migration } from "kysely";

/*
 * What start-up needs to finish the work of a process that died (docs/operations/crash-recovery.md):
 * one row per live call (where its callStatus goes) and one per recording being written (where its
 * `record` webhook goes). A row lives as long as the call or the recording; no foreign keys, so
 * ending a call never fails on them.
 */
async function createRecoveryTables<DB>(db: Kysely<DB>): Promise<void> {
  await db.schema
    .createTable("live_calls")
    .addColumn("call_id", "text", (col) => col.primaryKey())
    .addColumn("account_id", "text", (col) => col.notNull())
    .addColumn("status_callback_url", "text")
    // A call Belay places: where outDialApiConnect goes if it never connected.
    .addColumn("connect_url", "text")
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .execute();
  await db.schema
    .createTable("live_recordings")
    .addColumn("recording_id", "text", (col) => col.primaryKey())
    .addColumn("account_id", "text", (col) => col.notNull())
    .addColumn("call_id", "text", (col) => col.notNull())
    .addColumn("blob_key", "text", (col) => col.notNull())
    .addColumn("action_url", "text", (col) => col.notNull())
    .addColumn("privacy_mode", "integer", (col) => col.notNull())
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .execute();
}

export function recoveryMigration(): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await createRecoveryTables(db);
      else await db.transaction().execute((trx) => createRecoveryTables(trx));
    },
    async down(db) {
      await db.schema.dropTable("live_recordings").execute();
      await db.schema.dropTable("live_calls").execute();
    },
  };
}
