import type { CreateTableBuilder, Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";

/**
 * Conferences (kept after they terminate, as FreeClimb lists them) and their participants (a row
 * per call while it is in one). A participant names its conference by foreign key, so no row can
 * outlive the conference it belongs to; its call is not a foreign key, as calls are history that
 * nothing else blocks.
 */
async function createConferences<DB>(db: Kysely<DB>, dialect: SqlDialectName): Promise<void> {
  const seq = (table: CreateTableBuilder<string, string>) =>
    dialect === "postgres"
      ? table.addColumn("seq", "bigserial", (col) => col.primaryKey())
      : table.addColumn("seq", "integer", (col) => col.primaryKey().autoIncrement());
  await db.schema
    .createTable("conferences")
    .$call(seq)
    .addColumn("conference_id", "text", (col) => col.notNull().unique())
    .addColumn("account_id", "text", (col) => col.notNull().references("accounts.account_id"))
    .addColumn("alias", "text")
    .addColumn("play_beep", "text", (col) => col.notNull())
    .addColumn("record", "integer", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("wait_url", "text")
    .addColumn("action_url", "text")
    .addColumn("status_callback_url", "text")
    .addColumn("call_id", "text")
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .addColumn("date_updated", "bigint", (col) => col.notNull())
    .addColumn("revision", "integer", (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex("conferences_account_created_idx")
    .on("conferences")
    .columns(["account_id", "date_created", "seq"])
    .execute();
  // Start-up finds the conferences a dead process left without reading the history.
  await db.schema.createIndex("conferences_status_idx").on("conferences").column("status").execute();

  await db.schema
    .createTable("conference_participants")
    .$call(seq)
    .addColumn("account_id", "text", (col) => col.notNull().references("accounts.account_id"))
    .addColumn("conference_id", "text", (col) => col.notNull().references("conferences.conference_id"))
    .addColumn("call_id", "text", (col) => col.notNull())
    .addColumn("talk", "integer", (col) => col.notNull())
    .addColumn("listen", "integer", (col) => col.notNull())
    .addColumn("dtmf_pass_through", "integer", (col) => col.notNull())
    .addColumn("start_conf_on_enter", "integer", (col) => col.notNull())
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .addColumn("date_updated", "bigint", (col) => col.notNull())
    .addColumn("revision", "integer", (col) => col.notNull())
    // A call is in a conference once; the index also serves get, update, delete and the lists.
    .addUniqueConstraint("participants_conference_call_unique", ["conference_id", "call_id"])
    .execute();
  await db.schema
    .createIndex("participants_conference_created_idx")
    .on("conference_participants")
    .columns(["conference_id", "date_created", "seq"])
    .execute();
}

export function conferencesMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await createConferences(db, dialect);
      else await db.transaction().execute((trx) => createConferences(trx, dialect));
    },
    async down(db) {
      await db.schema.dropTable("conference_participants").execute();
      await db.schema.dropTable("conferences").execute();
    },
  };
}
