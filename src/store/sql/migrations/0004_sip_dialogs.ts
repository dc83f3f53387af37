import type { Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";

/**
 * Confirmed SIP dialogs, one row each while it lasts, so a restart can BYE what a crash left. No
 * foreign keys: a row is working state, not history, and its insert stays one cheap statement.
 */
async function createSipDialogs<DB>(db: Kysely<DB>, dialect: SqlDialectName): Promise<void> {
  await db.schema
    .createTable("sip_dialogs")
    .$call((table) =>
      dialect === "postgres"
        ? table.addColumn("seq", "bigserial", (col) => col.primaryKey())
        : table.addColumn("seq", "integer", (col) => col.primaryKey().autoIncrement()),
    )
    .addColumn("sip_call_id", "text", (col) => col.notNull())
    .addColumn("local_tag", "text", (col) => col.notNull())
    .addColumn("remote_tag", "text", (col) => col.notNull())
    .addColumn("local_uri", "text", (col) => col.notNull())
    .addColumn("remote_uri", "text", (col) => col.notNull())
    .addColumn("remote_target", "text", (col) => col.notNull())
    .addColumn("route_set", "text", (col) => col.notNull())
    .addColumn("local_cseq", "bigint", (col) => col.notNull())
    .addColumn("destination_address", "text", (col) => col.notNull())
    .addColumn("destination_port", "integer", (col) => col.notNull())
    .addColumn("call_id", "text", (col) => col.notNull())
    .addColumn("account_id", "text", (col) => col.notNull())
    .addColumn("date_created", "bigint", (col) => col.notNull())
    // RFC 3261 12: a dialog is its Call-ID and both tags. The unique index is also the delete's.
    .addUniqueConstraint("sip_dialogs_dialog_unique", ["sip_call_id", "local_tag", "remote_tag"])
    .execute();
}

export function sipDialogsMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await createSipDialogs(db, dialect);
      else await db.transaction().execute((trx) => createSipDialogs(trx, dialect));
    },
    async down(db) {
      await db.schema.dropTable("sip_dialogs").execute();
    },
  };
}
