import type { Kysely, Migration } from "kysely";

/** FreeClimb's account `label` (the group an account belongs to), set by POST /Accounts/{id}. */
async function addLabel<DB>(db: Kysely<DB>): Promise<void> {
  await db.schema.alterTable("accounts").addColumn("label", "text").execute();
}

export function accountLabelMigration(): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await addLabel(db);
      else await db.transaction().execute((trx) => addLabel(trx));
    },
    async down(db) {
      await db.schema.alterTable("accounts").dropColumn("label").execute();
    },
  };
}
