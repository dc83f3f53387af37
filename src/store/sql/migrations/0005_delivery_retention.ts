import type { Kysely, Migration } from "kysely";

/**
 * The delivery log's retention (docs/webhooks.md): a `redacted` flag for rows whose privacyMode
 * input was withheld, and an index that finds settled rows by age without scanning the table.
 */
async function addRetention<DB>(db: Kysely<DB>): Promise<void> {
  await db.schema
    .alterTable("webhook_deliveries")
    .addColumn("redacted", "integer", (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex("deliveries_settled_idx")
    .on("webhook_deliveries")
    .columns(["state", "date_updated"])
    .execute();
}

export function deliveryRetentionMigration(): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await addRetention(db);
      else await db.transaction().execute((trx) => addRetention(trx));
    },
    async down(db) {
      await db.schema.dropIndex("deliveries_settled_idx").execute();
      await db.schema.alterTable("webhook_deliveries").dropColumn("redacted").execute();
    },
  };
}
