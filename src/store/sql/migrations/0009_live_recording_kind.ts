import type { Kysely, Migration } from "kysely";

/**
 * What a live recording is (docs/operations/crash-recovery.md): a RecordUtterance ("utterance",
 * whose `record` webhook goes to its actionUrl), a StartRecordCall ("call", announced in its
 * call's callStatus) or a conference's mix ("conference", announced to the conference). Rows
 * written before this migration are all RecordUtterance's.
 */
async function addKind<DB>(db: Kysely<DB>): Promise<void> {
  await db.schema
    .alterTable("live_recordings")
    .addColumn("kind", "text", (col) => col.notNull().defaultTo("utterance"))
    .execute();
  await db.schema.alterTable("live_recordings").addColumn("conference_id", "text").execute();
}

export function liveRecordingKindMigration(): Migration {
  return {
    async up(db) {
      if (db.isTransaction) await addKind(db);
      else await db.transaction().execute((trx) => addKind(trx));
    },
    async down(db) {
      await db.schema.alterTable("live_recordings").dropColumn("conference_id").execute();
      await db.schema.alterTable("live_recordings").dropColumn("kind").execute();
    },
  };
}
