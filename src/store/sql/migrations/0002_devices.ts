import type { Kysely, Migration } from "kysely";
import type { SqlDialectName } from "../schema.js";

/** Virtual devices (Belay extension): one row per number an account can call. */
async function createDevices<DB>(db: Kysely<DB>, dialect: SqlDialectName): Promise<void> {
  await db.schema
    .createTable("devices")
    .$call((table) =>
      dialect === "postgres"
        ? table.addColumn("seq", "bigserial", (col) => col.primaryKey())
        : table.addColumn("seq", "integer", (col) => col.primaryKey().autoIncrement()),
    )
    .addColumn("account_id", "text", (col) => col.notNull().references("accounts.account_id"))
    .addColumn("phone_number", "text", (col) => col.notNull())
    .addColumn("mode", "text", (col) => col.notNull())
    .addColumn("answer_after_ms", "bigint", (col) => col.notNull())
    .addColumn("audio_blob_key", "text")
    .addColumn("audio_samples", "bigint", (col) => col.notNull())
    .addColumn("audio_at_ms", "bigint", (col) => col.notNull())
    .addColumn("dtmf", "text", (col) => col.notNull())
    .addColumn("hangup_at_ms", "bigint")
    .addColumn("date_created", "bigint", (col) => col.notNull())
    .addColumn("date_updated", "bigint", (col) => col.notNull())
    .addColumn("revision", "integer", (col) => col.notNull())
    // Per account: two accounts may each have a device on the same number.
    .addUniqueConstraint("devices_account_number_unique", ["account_id", "phone_number"])
    .execute();
  await db.schema
    .createIndex("devices_account_created_idx")
    .on("devices")
    .columns(["account_id", "date_created", "seq"])
    .execute();
}

export function devicesMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await createDevices(db, dialect);
      else await db.transaction().execute((trx) => createDevices(trx, dialect));
    },
    async down(db) {
      await db.schema.dropTable("devices").execute();
    },
  };
}
